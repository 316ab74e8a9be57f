## The public statistics page (stats-*).

stats-title = Statistics
stats-intro = How many documents were applied for and issued online, how long it took, and how often applicants were asked to correct something. Figures are updated as applications move on; they contain no personal data.
stats-applied-total = Applications submitted
stats-issued-total = Documents issued (mailed, or collected at the hall)
stats-median-approval = Median working days from submission to approval
stats-median-dispatch = Median working days from payment to dispatch
stats-correction-share = Share of applications asked for a correction
stats-deadline-share = Share withdrawn for a missed 7-day deadline
stats-working-days = { $days } ({ $count ->
    [one] of one application
   *[other] of { $count } applications
    })
stats-none-yet = none yet
stats-withheld = fewer than { $min }
stats-suppression = Counts by district below { $min } are withheld (and, where one withheld count could be worked out from the total, the next smallest too), so that no small group of residents can be picked out. The same figures as data:
stats-chart-desc = Bar chart with { $count } bars. The table below gives the same figures.
stats-chart-heading = { $what } by { $by }
stats-applied = Applications submitted
stats-issued = Documents issued
stats-by-kind = document
stats-by-reason = reason
stats-by-month = month
stats-by-delivery = delivery method
stats-by-district = hukou district
stats-correction-reasons = Most common correction reasons
stats-withdrawals = Submitted applications withdrawn, by cause
stats-col-what = Category
stats-col-count = Count

## wangban stats rebuild
stats-rebuilt = Statistics rebuilt from { $applications } applications ({ $actions } actions); durations not measured for lack of calendar data: { $unmeasured }.
stats-rebuild-failed = The statistics could not be rebuilt: { $reason }

## wangban stats generate
stats-generate-progress = { $done } of { $total } synthetic applications replayed ({ $seconds } s)
stats-generated = Statistics replaced by those of { $applications } synthetic applications (seed { $seed }, { $actions } actions): { $count_cells } count cells and { $duration_cells } duration cells written; durations not measured: { $unmeasured }. Replayed in { $fold_seconds } s, written in { $write_seconds } s.
stats-generate-refused = The database holds { $applications } applications, whose statistics generating would replace; add --force to replace them anyway.
stats-generate-failed = The statistics could not be generated: { $reason }
