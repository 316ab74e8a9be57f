## 运维：备份（wangban backup …）

ops-backup-created = 备份已写入 { $path }：数据库（{ $applications } 件申请），共 { $files } 个文件。
ops-backup-verified = 备份 { $path } 完整无损：{ $files } 个文件，{ $applications } 件申请。
ops-backup-restored = 已将 { $path } 恢复到 { $data }：{ $applications } 件申请。请在该目录上启动服务。
ops-backup-replaced = 数据目录原有内容已移至 { $old }。
ops-backup-exists = { $path } 已存在：请为备份另取一个名称。
ops-backup-no-database = { $path } 没有数据库：数据目录是否正确？
ops-backup-not-empty = 数据目录 { $path } 不为空。未做任何更改；如需替换，请加 --force（原有内容会另行保留，不会删除）。
ops-backup-invalid = { $path } 不是可用的备份：{ $reason }。未做任何更改。
ops-backup-failed = 无法完成备份：{ $reason }
ops-backup-restore-failed = 恢复失败：{ $reason }
ops-backup-backend-mismatch = 该备份来自 { $backup } 数据库，但配置的是 { $configured } 数据库（[database] url）。未做任何更改。
ops-backup-database-not-empty = 数据库 { $url } 不为空（{ $applications } 件申请）。未做任何更改；请恢复到空数据库，或加 --force 用备份内容替换。
