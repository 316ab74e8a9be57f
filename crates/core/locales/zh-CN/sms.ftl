## SMS texts (sms-*), rendered by wangban-gateways (SmsTemplate). Short, like real SMS: a
## signature first, one message, the hotline where the person may need help.

-sms-sign = 【出入境网办】

sms-login-code = { -sms-sign }验证码{ $code }，{ $minutes }分钟内有效。请勿告诉他人，工作人员不会索要验证码。
sms-submitted = { -sms-sign }您的申请{ $application }已提交，审核结果将短信通知。咨询电话12367。
sms-correction-requested = { -sms-sign }您的申请{ $application }需补正，请于{ $deadline }前登录办理，逾期未补正将撤回申请。咨询电话12367。
sms-approved-pay = { -sms-sign }您的申请{ $application }已审核通过，请于{ $deadline }前登录缴纳证件费{ $amount }，逾期未缴费将撤回申请。
sms-payment-received = { -sms-sign }已收到申请{ $application }的证件费{ $amount }，证件制作中，寄出或可领取时将短信通知。
sms-dispatched = { -sms-sign }您的{ $kind }已由EMS寄出，运单号{ $tracking }，邮费到付，请注意查收。
sms-ready-for-pickup = { -sms-sign }您的{ $kind }已制作完成，请携带身份证到{ $district }出入境接待大厅领取。咨询电话12367。
sms-delivery-failed = { -sms-sign }您的证件（运单号{ $tracking }）未能投递，已转至{ $district }出入境接待大厅，请携带身份证领取。咨询电话12367。
sms-deadline-reminder = { -sms-sign }您的申请{ $application }须于{ $deadline }前完成{ $which ->
        [correction] 补正
       *[payment] 缴费
    }，逾期将撤回申请。
sms-withdrawn = { -sms-sign }因未在期限内{ $which ->
        [correction] 补正
       *[payment] 缴费
    }，您的申请{ $application }已撤回，如需办理请重新申请。咨询电话12367。
sms-rejected = { -sms-sign }您的申请{ $application }未通过审核，请登录查看原因。咨询电话12367。
sms-reported-lost = { -sms-sign }您尾号{ $tail }的{ $kind }已挂失，不能再用于出入境。如非本人申请，请致电12367。
