## Operations: backups (wangban backup …)

ops-backup-created = Backup written to { $path }: the database ({ $applications } applications), { $files ->
        [one] { $files } file
       *[other] { $files } files
    } in all.
ops-backup-verified = Backup { $path } is complete and intact: { $files ->
        [one] { $files } file
       *[other] { $files } files
    }, { $applications } applications.
ops-backup-restored = Restored { $path } into { $data }: { $applications } applications. Start the service on that folder.
ops-backup-replaced = The previous contents of the data folder were moved to { $old }.
ops-backup-exists = { $path } already exists: choose a new name for the backup.
ops-backup-no-database = There is no database at { $path }: is the data folder right?
ops-backup-not-empty = The data folder { $path } is not empty. Nothing was changed; add --force to replace it (its contents are kept aside, not deleted).
ops-backup-invalid = { $path } is not a usable backup: { $reason }. Nothing was changed.
ops-backup-failed = The backup could not be made: { $reason }
ops-backup-restore-failed = The restore failed: { $reason }
ops-backup-backend-mismatch = This backup is of a { $backup } database, but the configuration names a { $configured } one ([database] url). Nothing was changed.
ops-backup-database-not-empty = The database { $url } is not empty ({ $applications } applications). Nothing was changed; restore into an empty database, or add --force to replace its contents with the backup's.
