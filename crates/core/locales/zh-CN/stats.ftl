## 公开统计页面（stats-*）。

stats-title = 统计数据
stats-intro = 网上申请和签发的证件数量、办理用时，以及需要补正的比例。数据随申请进展实时更新，不含任何个人信息。
stats-applied-total = 已提交申请
stats-issued-total = 已签发证件（已寄出或已在受理点领取）
stats-median-approval = 从提交到审批通过的工作日数（中位数）
stats-median-dispatch = 从缴费到发出证件的工作日数（中位数）
stats-correction-share = 需要补正的申请比例
stats-deadline-share = 因超过7日期限而撤回的比例
stats-working-days = { $days }（共 { $count } 件申请）
stats-none-yet = 暂无数据
stats-withheld = 少于 { $min }
stats-suppression = 按区统计时，少于 { $min } 的数字不予公布（如仅一个数字不予公布、可由合计推算，则同时不公布次小的数字），以免识别出个人。相同数据的数据格式：
stats-chart-desc = 条形图，共 { $count } 条。下表列出相同的数据。
stats-chart-heading = { $what }（按{ $by }）
stats-applied = 已提交申请
stats-issued = 已签发证件
stats-by-kind = 证件种类
stats-by-reason = 申请事由
stats-by-month = 月份
stats-by-delivery = 领取方式
stats-by-district = 户籍所在区
stats-correction-reasons = 最常见的补正原因
stats-withdrawals = 已提交申请的撤回原因
stats-col-what = 类别
stats-col-count = 数量

## wangban stats rebuild
stats-rebuilt = 已根据 { $applications } 件申请（{ $actions } 条操作记录）重建统计数据；因缺少日历数据未计算的用时：{ $unmeasured } 项。
stats-rebuild-failed = 无法重建统计数据：{ $reason }

## wangban stats generate
stats-generate-progress = 已回放 { $done } / { $total } 件模拟申请（{ $seconds } 秒）
stats-generated = 统计数据已替换为 { $applications } 件模拟申请（种子 { $seed }，{ $actions } 条操作记录）的数据：写入计数单元 { $count_cells } 个、用时单元 { $duration_cells } 个；未计算的用时：{ $unmeasured } 项。回放用时 { $fold_seconds } 秒，写入用时 { $write_seconds } 秒。
stats-generate-refused = 数据库中已有 { $applications } 件申请，生成将替换其统计数据；如确需替换，请加 --force。
stats-generate-failed = 无法生成统计数据：{ $reason }
