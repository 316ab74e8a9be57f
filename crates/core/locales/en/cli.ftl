## Output of the admin commands

cli-id-valid = The ID number is valid.
cli-id-invalid = The ID number is not valid: { $reason }
cli-id-birth-date = Birth date: { $date }
cli-id-sex = Sex: { $sex }
cli-id-age = Age: { $age }
cli-id-area = Issued in: { $area } ({ $code })
cli-tracking-valid = Postal item number { $number } is valid (service { $service }, serial { $serial }, country { $country }).
cli-tracking-invalid = The postal item number is not valid: { $reason }
cli-add-working-days = { $n } working days after { $from } comes { $date } ({ $weekday }).
cli-add-working-days-back = { $n } working days before { $from } comes { $date } ({ $weekday }).
cli-working-days-between = There are { $n } working days after { $from } up to and including { $to }.
cli-error = Error: { $reason }
cli-config-error = Configuration error: { $reason }
cli-calendar-dir = The holiday calendar folder cannot be read: { $detail }
cli-media-unreadable = The file cannot be read: { $detail }
cli-media-error = Cannot be checked: { $reason }
