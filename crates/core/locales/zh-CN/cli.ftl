## 管理命令的输出

cli-id-valid = 身份证号码有效。
cli-id-invalid = 身份证号码无效：{ $reason }
cli-id-birth-date = 出生日期：{ $date }
cli-id-sex = 性别：{ $sex }
cli-id-age = 年龄：{ $age }周岁
cli-id-area = 签发地：{ $area }（{ $code }）
cli-tracking-valid = 邮件号码{ $number }有效（业务代码{ $service }，序号{ $serial }，国家{ $country }）。
cli-tracking-invalid = 邮件号码无效：{ $reason }
cli-add-working-days = { $from }之后第{ $n }个工作日是{ $date }（{ $weekday }）。
cli-add-working-days-back = { $from }之前第{ $n }个工作日是{ $date }（{ $weekday }）。
cli-working-days-between = 从{ $from }（不含）到{ $to }（含）共有{ $n }个工作日。
cli-error = 错误：{ $reason }
cli-config-error = 配置有误：{ $reason }
cli-calendar-dir = 无法读取节假日目录：{ $detail }
cli-media-unreadable = 无法读取文件：{ $detail }
cli-media-error = 无法检查：{ $reason }
