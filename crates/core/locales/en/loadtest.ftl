## wangban loadtest (loadtest-*).

loadtest-bad-counts = --journeys, --concurrency and --officers must each be at least 1.
loadtest-could-not-run = The load test could not run: { $reason }
loadtest-not-enough-people = Only { $found } of the { $population } people of the synthetic population (after --skip) may apply today; { $wanted } are needed. Raise --population.
loadtest-starting-server = Starting a server for the load test…
loadtest-noop-phase = Journeys done; now { $seconds } s of GET /health for the bare request rate…
loadtest-progress-failed = { $count } failed
loadtest-report-target = Server: { $target }
loadtest-report-journeys = Journeys: { $completed } of { $total } completed in { $seconds } s ({ $concurrency } residents at a time, { $officers } reviewers)
loadtest-report-rates = Throughput: { $journeys } journeys/s, { $requests } requests/s
loadtest-report-noop = No-op (GET /health): { $rate } requests/s, { $ratio }× the journey request rate
loadtest-report-server = Server: { $cpu } s of CPU ({ $share } % of one core), peak memory { $rss } MiB; whole machine busy { $machine } %
loadtest-report-unknown = unknown
loadtest-report-final-states = Final states: { $states }
loadtest-col-endpoint = Endpoint
loadtest-col-count = Count
loadtest-col-max = max ms
loadtest-col-all = All requests
loadtest-report-no-errors = Errors: none
loadtest-report-errors = Errors by kind:
loadtest-kills-need-own-server = --kills needs a server the load test starts (not --url): it kills and restarts it.
loadtest-report-durability = Stops: { $kills } × SIGKILL and restart; { $retries } requests sent again, { $reconciled } steps found done on a second look. Of { $applications } applications, acknowledged and found exactly once: { $found }. Missing or doubled: { $problems }.
