## 工作日历（calendar-*）与期限计时（clock-*）。

## 日期：$month、$day（数字），$weekday（1 = 星期一 … 7 = 星期日）。

calendar-date = { $month }月{ $day }日
calendar-weekday = { $weekday ->
        [1] 星期一
        [2] 星期二
        [3] 星期三
        [4] 星期四
        [5] 星期五
        [6] 星期六
       *[7] 星期日
    }

## 加载日历年份（运维人员可见）。

calendar-syntax = 节假日日历文件无法读取：{ $detail }
calendar-bad-year = 节假日日历年份{ $year }超出支持范围。
calendar-bad-off-range = { $holiday_zh }：放假日期应写为[首日, 末日]，首日不得晚于末日，且不超过{ $max }天。
calendar-out-of-year = { $date }不在日历年份{ $year }之内；只有元旦假期可以从上一年12月25日起开始。
calendar-working-not-weekend = { $date }被列为调休上班日，但不是星期六或星期日。
calendar-off-and-working = { $date }同时被列为放假日和上班日。
calendar-overlap = { $date }同时属于两个节假日。
calendar-duplicate-year = { $year }年的节假日日历重复定义。

## 查询日历。

calendar-no-data = 尚未加载{ $year }年的国家法定节假日安排，无法计算{ $year }年（以及可能受其调休影响的上一年12月最后一周）的工作日。
calendar-out-of-range = 日期超出支持范围。
calendar-provisional = 暂定：{ $year }年的法定节假日安排尚未发布，目前仅将周末计为休息日。
calendar-day-weekday = { calendar-date }（{ calendar-weekday }）为工作日。
calendar-day-weekend = { calendar-date }（{ calendar-weekday }）为周末休息日。
calendar-day-holiday = { calendar-date }（{ calendar-weekday }）为{ $holiday_zh }假期，不上班。
calendar-day-adjusted-working = { calendar-date }（{ calendar-weekday }）为{ $holiday_zh }调休上班日。

## 计时：$kind（review、correction、payment、production），$unit（working_days、
## calendar_days），$budget；到期日为 $due_month、$due_day、$due_weekday。

clock-name = { $kind ->
        [review] 审核
        [correction] 补正
        [payment] 缴费
       *[production] 制证
    }
clock-due-date = { $due_month }月{ $due_day }日
clock-not-started = { clock-name }：尚未开始计时。
clock-running-day = { clock-name }：{ $unit ->
        [working_days] 第{ $day }个工作日（共{ $budget }个工作日）
       *[other] 第{ $day }天（共{ $budget }天）
    }，{ clock-due-date }到期。
clock-running-used = { clock-name }：已用{ $elapsed }{ $unit ->
        [working_days] 个工作日（共{ $budget }个工作日）
       *[other] 天（共{ $budget }天）
    }，{ clock-due-date }到期。
clock-pay-by = 请于{ clock-due-date }24时前完成缴费。
clock-correct-by = 请于{ clock-due-date }24时前完成补正并重新提交。
clock-paused = { clock-name }：自{ calendar-date }起暂停计时，等待您处理。
clock-overdue-by = { clock-name }：已超期{ $late }{ $unit ->
        [working_days] 个工作日
       *[other] 天
    }（{ clock-due-date }到期）。
clock-overdue-since = { clock-name }：已超期（{ clock-due-date }到期）。
clock-stopped-on-time = { clock-name }：已于{ calendar-date }完成，未超期（{ clock-due-date }到期）。
clock-stopped-late = { clock-name }：于{ calendar-date }完成，已超期（{ clock-due-date }到期）。
