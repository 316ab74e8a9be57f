## SMS texts (sms-*), rendered by wangban-gateways (SmsTemplate). Short, like real SMS: a
## signature first, one message, the hotline where the person may need help.

-sms-sign = [Exit-Entry Online]

sms-login-code = { -sms-sign } Your verification code is { $code }, valid for { $minutes } minutes. Do not share it: our staff never ask for it.
sms-submitted = { -sms-sign } Application { $application } is submitted. We will text you the result of the review. Help: 12367.
sms-correction-requested = { -sms-sign } Application { $application } needs corrections. Log in and correct it by { $deadline }, or it will be withdrawn. Help: 12367.
sms-approved-pay = { -sms-sign } Application { $application } is approved. Log in and pay the fee of { $amount } by { $deadline }, or it will be withdrawn.
sms-payment-received = { -sms-sign } We received { $amount } for application { $application }. Your document is being made; we will text you when it is sent or ready.
sms-dispatched = { -sms-sign } Your { $kind } has been sent by EMS, tracking number { $tracking }. Postage is paid on delivery.
sms-ready-for-pickup = { -sms-sign } Your { $kind } is ready. Collect it with your ID card at the exit-entry reception hall of { $district }. Help: 12367.
sms-delivery-failed = { -sms-sign } Your document (tracking number { $tracking }) could not be delivered. Collect it with your ID card at the exit-entry reception hall of { $district }. Help: 12367.
sms-deadline-reminder = { -sms-sign } Reminder: application { $application } must be { $which ->
        [correction] corrected
       *[payment] paid for
    } by { $deadline }, or it will be withdrawn.
sms-withdrawn = { -sms-sign } Application { $application } was withdrawn: it was not { $which ->
        [correction] corrected
       *[payment] paid for
    } in time. You may apply again. Help: 12367.
sms-rejected = { -sms-sign } Application { $application } was not approved. Log in to see why. Help: 12367.
sms-reported-lost = { -sms-sign } Your { $kind } ending in { $tail } has been reported lost and can no longer be used to travel. If you did not ask for this, call 12367.
