## SMS texts (sms-*)
sms-placeholder = wangban
