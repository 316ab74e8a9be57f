## The applicant's application pages (apply-*): task list, form, uploads, delivery, check your
## answers, status, correction, payment, tracking, session warning.

apply-tasks-title = 您的申请
