## The working-day calendar (calendar-*) and the deadline clocks (clock-*).

## Dates: $month and $day (numbers), $weekday (1 = Monday … 7 = Sunday).

calendar-date = { $day } { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    }
calendar-weekday = { $weekday ->
        [1] Monday
        [2] Tuesday
        [3] Wednesday
        [4] Thursday
        [5] Friday
        [6] Saturday
       *[7] Sunday
    }

## Loading a calendar year (operators see these).

calendar-syntax = The holiday calendar file cannot be read: { $detail }
calendar-bad-year = The holiday calendar year { $year } is out of the supported range.
calendar-bad-off-range = { $holiday_en }: the days off must be given as [first, last], the first not after the last, at most { $max } days.
calendar-out-of-year = { $date } lies outside the calendar year { $year }; only New Year's Day may begin on or after 25 December of the year before.
calendar-working-not-weekend = { $date } is declared a working day but is not a Saturday or Sunday.
calendar-off-and-working = { $date } is listed both as a day off and as a working day.
calendar-overlap = { $date } is claimed by two holidays.
calendar-duplicate-year = The holiday calendar for { $year } is defined twice.

## Asking the calendar.

calendar-no-data = The official holiday calendar for { $year } has not been loaded yet, so working days in { $year } (and in the last week of the December before, which its notice may change) cannot be counted.
calendar-out-of-range = The date is out of the supported range.
calendar-provisional = Provisional: the official holiday calendar for { $year } has not been published yet, so only weekends are counted as days off.
calendar-day-weekday = { calendar-weekday } { calendar-date } is a working day.
calendar-day-weekend = { calendar-weekday } { calendar-date } is a weekend day.
calendar-day-holiday = { calendar-weekday } { calendar-date } is a day off: { $holiday_en }.
calendar-day-adjusted-working = { calendar-weekday } { calendar-date } is a working day, worked in exchange for the { $holiday_en } holiday.

## Clocks: $kind (review, correction, payment, production), $unit (working_days,
## calendar_days), $budget; the due date in $due_month, $due_day, $due_weekday.

clock-name = { $kind ->
        [review] Review
        [correction] Correction
        [payment] Payment
       *[production] Production
    }
clock-due-date = { $due_day } { $due_month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    }
clock-not-started = { clock-name }: not started.
clock-running-day = { clock-name }: { $unit ->
        [working_days] working day
       *[other] day
    } { $day } of { $budget } (due { clock-due-date }).
clock-running-used = { clock-name }: { $elapsed } of { $budget } { $unit ->
        [working_days] working days
       *[other] days
    } used (due { clock-due-date }).
clock-pay-by = Pay by { clock-due-date }.
clock-correct-by = Correct and resubmit by { clock-due-date }.
clock-paused = { clock-name }: paused since { calendar-date } — waiting for you.
clock-overdue-by = { clock-name }: overdue by { $late } { $unit ->
        [working_days] { $late ->
            [one] working day
           *[other] working days
        }
       *[other] { $late ->
            [one] day
           *[other] days
        }
    } (due { clock-due-date }).
clock-overdue-since = { clock-name }: overdue since the end of { clock-due-date }.
clock-stopped-on-time = { clock-name }: done on { calendar-date }, within the deadline ({ clock-due-date }).
clock-stopped-late = { clock-name }: done on { calendar-date }, after the deadline ({ clock-due-date }).
