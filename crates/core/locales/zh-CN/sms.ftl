## SMS texts (sms-*)
sms-placeholder = 网办
