## wangban loadtest（loadtest-*）。

loadtest-bad-counts = --journeys、--concurrency 和 --officers 都至少为 1。
loadtest-could-not-run = 压力测试无法运行：{ $reason }
loadtest-not-enough-people = 合成人口中（跳过 --skip 之后）共 { $population } 人，今天可以申请的只有 { $found } 人，需要 { $wanted } 人。请调大 --population。
loadtest-starting-server = 正在为压力测试启动服务…
loadtest-noop-phase = 办理流程已完成；接下来 { $seconds } 秒请求 GET /health，测量空请求速率…
loadtest-progress-failed = { $count } 个失败
loadtest-report-target = 服务：{ $target }
loadtest-report-journeys = 办理流程：{ $total } 个中完成 { $completed } 个，用时 { $seconds } 秒（同时 { $concurrency } 位居民，{ $officers } 名审核员）
loadtest-report-rates = 吞吐量：每秒 { $journeys } 个办理流程，每秒 { $requests } 个请求
loadtest-report-noop = 空请求（GET /health）：每秒 { $rate } 个，是办理流程请求速率的 { $ratio } 倍
loadtest-report-server = 服务进程：CPU { $cpu } 秒（单核的 { $share }%），内存峰值 { $rss } MiB；整机 CPU 忙 { $machine }%
loadtest-report-unknown = 未知
loadtest-report-final-states = 最终状态：{ $states }
loadtest-col-endpoint = 接口
loadtest-col-count = 次数
loadtest-col-max = 最大 ms
loadtest-col-all = 全部请求
loadtest-report-no-errors = 错误：无
loadtest-report-errors = 按类型统计的错误：
loadtest-kills-need-own-server = --kills 需要由压力测试自己启动的服务（不能用 --url）：它会强制结束并重启服务。
loadtest-report-durability = 强制结束：{ $kills } 次 SIGKILL 并重启；重发请求 { $retries } 个，再次查看后确认已完成的步骤 { $reconciled } 个。{ $applications } 件申请中，已确认且恰好存在一次的：{ $found }。缺失或重复：{ $problems } 个。
