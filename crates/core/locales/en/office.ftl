## The officers' pages (office-*): login, queue, application view, casework, production,
## dispatch, pickup, supervisor's dashboard.

office-site-name = Officers' workspace
office-nav-label = Officers' pages
office-nav-queue = Review queue
office-nav-production = Production
office-nav-dispatch = Dispatch
office-nav-pickup = Pickup
office-nav-dashboard = Dashboard
office-logout = Log out

## Login
office-login-title = Officer login
office-login-username = Username
office-login-password = Password
office-login-continue = Continue
office-login-failed = The username or password is not right. Check them and try again.
office-totp-title = Enter the code from your authenticator app
office-totp-code = Code
office-totp-hint = 6 digits; a new code appears every 30 seconds
office-totp-continue = Log in
office-totp-failed = The code is not right or has expired. Enter the code your app shows now.

office-forbidden-title = You cannot use this page
office-forbidden-body = Your role does not give access to this page. Use the links above for the pages of your role.

## Queue
office-queue-title = Review queue
office-filter-kind = Document
office-filter-reason = Reason
office-filter-state = Status
office-filter-district = Hukou district
office-filter-sort = Sort by
office-filter-any = Any
office-filter-my-states = The statuses of my role
office-filter-judgement = Only where the applicant asked for an officer's judgement
office-filter-apply = Show
office-sort-deadline = Deadline (earliest first)
office-sort-age = Waiting time (longest first)
office-queue-count = { $count ->
    [one] 1 application
   *[other] { $count } applications
}
office-queue-empty = No applications match these filters.
office-queue-bad-filter = One of the filters is not valid: choose again from the lists.
office-col-number = Application
office-col-kind = Document
office-col-reason = Reason
office-col-state = Status
office-col-district = Hukou district
office-col-deadline = Deadline
office-col-waiting = Waiting
office-col-applicant = Applicant
office-col-delivery = Delivery
office-col-action = Action
office-col-claimed = Claimed
office-col-document-number = Document number
office-col-waybill = Waybill (S10)
office-col-name = Name
office-col-id-number = ID number
office-col-phone = Mobile number
office-col-pinyin = Name in pinyin
office-col-address = Postal address
office-col-check = Check
office-col-verdict = Result
office-col-measured = Measured / threshold
office-col-issued = Issued
office-col-expires = Expires
office-col-status = Status
office-col-time = Time
office-col-event = What happened
office-col-actor = By
office-col-total = Total
office-days-left = { $days ->
    [one] 1 working day left
   *[other] { $days } working days left
}
office-days-overdue = { $days ->
    [one] overdue by 1 working day
   *[other] overdue by { $days } working days
}
office-age-days = { $days ->
    [one] 1 working day
   *[other] { $days } working days
}
office-claimed-by-you = Claimed by you
office-claimed-by = Claimed by { $name }

## Application
office-case-title = Application
office-case-applicant = Applicant
office-masked = (hidden)
office-reveal = Reveal personal data
office-reveal-hint = Showing personal data in full is recorded in the audit log with your name.
office-revealed = Personal data shown in full. This look was recorded in the audit log.
office-casework = Decision
office-claim = Claim for review
office-release = Return to the queue
office-approve = Approve
office-request-correction = Ask for a correction
office-correction-title = What must be corrected
office-correction-hint = For each field or file to fix, choose the reason. Leave the others as they are.
office-correction-no-change = No correction
office-correction-none = Choose at least one field or file to correct, with its reason.
office-note = Note for the applicant (optional)
office-reject = Reject the application
office-reject-reason = Reason for rejection
office-reject-no-reason = Choose the reason for rejection.
office-choose = Choose
office-produced-number = New document number
office-produced-submit = Mark as produced
office-produced-no-number = Enter the number of the new document.
office-dispatch-submit = Dispatch by mail
office-send-to-hall-submit = Send to the hall for pickup
office-pickup-id-checked = I checked the applicant's ID card against the record
office-collected-submit = Record collection
office-pickup-check-id = Check the applicant's ID card and tick the box before handing over the document.
office-stale = This application changed since you opened it (another officer may have acted). The page now shows its current state: check it and try again.
office-case-correction = Correction asked for
office-case-files = Photo, signature and ID card
office-file-missing = Not uploaded.
office-overlay = automatic check overlay
office-judgement-asked = The applicant asked for an officer's judgement:
office-verdict-pass = Passed
office-verdict-officer = For the officer to judge
office-verdict-advisory = Advice
office-verdict-fail = Failed
office-case-registry = Citizen registry
office-registry-functionary = State functionary
office-registry-military = Active military
office-registry-fingerprints = Fingerprints on file
office-registry-unavailable = The citizen registry cannot be reached now.
office-yes = Yes
office-no = No
office-case-history = History

office-done-claim = You claimed { $number }.
office-done-release = { $number } is back in the queue.
office-done-request-correction = The applicant of { $number } was asked to correct it.
office-done-approve = { $number } is approved; the applicant was asked to pay.
office-done-reject = { $number } is rejected.
office-done-produced = { $number } is marked as produced.
office-done-dispatch = { $number } was dispatched by mail. Waybill: { $waybill }
office-done-send-to-hall = { $number } was sent to the hall; the applicant was told to collect it.
office-done-collected = The collection of { $number } is recorded.

## Production, dispatch, pickup
office-production-title = Production
office-production-intro = Paid applications in production. When the document is made, enter its number and mark it produced.
office-dispatch-title = Dispatch
office-dispatch-intro = Produced documents: mail them (a waybill is booked with the post) or send them to the reception hall for pickup.
office-pickup-title = Pickup
office-pickup-intro = Documents waiting at the hall. Check the applicant's ID card before handing the document over.
office-work-empty = Nothing to do here now.

## Dashboard
office-dashboard-title = Supervisor's dashboard
office-dashboard-ages = Queue ages
office-dashboard-ages-hint = Applications per status and working days waited since their last step.
office-dashboard-chart-label = Applications per status (bar chart; the table below has the same figures)
office-dashboard-chart-caption = Applications per status. The table below gives the same figures by age.
office-bucket-0-1 = 0–1 working days
office-bucket-2-3 = 2–3 working days
office-bucket-4-7 = 4–7 working days
office-bucket-8 = 8 or more working days
office-dashboard-review-target = Review: 7 working days
office-dashboard-production-target = Production: 3 working days
office-dashboard-total = Applications
office-dashboard-soon = Due within 2 working days
office-dashboard-breached = Past the deadline
office-dashboard-soon-one = Due soon
office-dashboard-breached-one = Past the deadline
office-dashboard-none-due = None due soon or past the deadline.
office-dashboard-exports = Download for a spreadsheet
office-dashboard-exports-hint = CSV files (UTF-8) that Excel and WPS open directly. They hold application numbers and officers' accounts only: no names, ID numbers or phone numbers. Each download is recorded in the audit log.
office-dashboard-export-queue = Applications in progress (CSV): status, age, deadline
office-dashboard-export-throughput = Officers' throughput for the chosen period (CSV)
office-dashboard-truncated = Only the first 5,000 applications in progress are counted here.
office-dashboard-bad-window = Choose a period from the list: today, the last 7 days or the last 30 days.
office-dashboard-bad-table = There is no such download: choose one of the links under "Download for a spreadsheet".
office-throughput-title = Officers' throughput
office-throughput-hint = Steps each officer took in the period, counted from the applications' history. "n/a": the officer's role never takes that step.
office-throughput-officer = Officer
office-throughput-empty = No officer accounts take steps on applications.
office-throughput-na = n/a
office-throughput-claim = Claimed
office-throughput-release = Released
office-throughput-request-correction = Corrections requested
office-throughput-approve = Approved
office-throughput-reject = Rejected
office-throughput-produced = Produced
office-throughput-dispatch = Mailed
office-throughput-send-to-hall = Sent to the hall
office-throughput-collected = Handed over
office-window-label = Period
office-window-apply = Show
office-window-today = Today
office-window-7d = The last 7 days
office-window-30d = The last 30 days
office-window-day = { $day } (Beijing time)
office-window-days = { $first } to { $last } (Beijing time)
office-csv-age = Age (working days)
office-csv-due-date = Deadline
office-csv-days-left = Working days left
office-csv-breached = Past the deadline
office-csv-yes = yes
office-csv-no = no
office-csv-first-day = From
office-csv-last-day = To
office-csv-account = Account
office-csv-role = Role
office-document-valid = Valid
office-document-reported-lost = Reported lost or stolen
office-document-cancelled = Cancelled
office-not-found-title = There is no such application
office-not-found-body = Check the application number, or find the application in the queue.
