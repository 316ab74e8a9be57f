## 身份证号码、手机号码、姓名

id-length = 身份证号码应为18位，您输入了{ $found }位。
id-not-digit = 身份证号码第{ $position }位应为数字。
id-last-character = 身份证号码最后一位应为数字或字母X。
id-unknown-area = 身份证号码前6位“{ $code }”不是有效的行政区划代码。
id-no-such-date = 身份证号码中的出生日期{ $date }不存在。
id-future-birth-date = 身份证号码中的出生日期{ $date }晚于今天。
id-check-character = 身份证号码校验位不符（应为{ $expected }，实为{ $found }），请核对是否输错。
sex-male = 男
sex-female = 女

phone-length = 手机号码应为11位，您输入了{ $found }位。
phone-not-digits = 手机号码只能包含数字。
phone-prefix = 请输入中国大陆手机号码（以13至19开头）。

name-empty = 请填写姓名。
name-too-short = 姓名至少2个汉字。
name-too-long = 姓名最多{ $max }个字。
name-bad-character = 姓名中不能包含“{ $character }”：请按居民身份证填写汉字姓名，少数民族姓名可用间隔号“·”。
name-misplaced-dot = 间隔号“·”只能位于姓名的两部分之间。
name-pinyin-letters = 姓名拼音只能包含字母A至Z（ü请写作V或YU）。
name-pinyin-missing-part = 请同时填写拼音姓和拼音名。

appno-length = 申请编号为WB之后9个字符，您输入了{ $found }个。
appno-bad-character = 申请编号中不使用字符“{ $character }”。
appno-check = 申请编号有误（校验字符不符），请核对。

s10-length = 邮件号码应为13个字符，您输入了{ $found }个。
s10-service-indicator = 邮件号码前两位应为字母。
s10-digits = 邮件号码第3至11位应为数字。
s10-country = 邮件号码最后两位应为国家代码字母。
s10-check-digit = 邮件号码校验位不符（应为{ $expected }，实为{ $found }）。

money-bad-amount = “{ $text }”不是有效金额（例如120或60.50）。
