## Reception halls: the directory page, the hall named on the eligibility result and the pickup choice

halls-day-mon = Mon
halls-day-tue = Tue
halls-day-wed = Wed
halls-day-thu = Thu
halls-day-fri = Fri
halls-day-sat = Sat
halls-day-sun = Sun
halls-hours-days = { $from }–{ $to } { $times }
halls-hours-day = { $day } { $times }
halls-service-first-time = first applications
halls-service-pickup = collecting documents

halls-title = Exit-entry reception halls
halls-intro = Go to a reception hall for a first application, to replace an expired document, or if you cannot apply online. A document you chose to collect is handed out at the hall of your hukou district.
halls-sample = This list is sample data for the demonstration: the addresses and hours are not real. The published list of halls replaces it before the service opens.
halls-col-name = Hall
halls-col-address = Address
halls-col-hours = Opening hours
halls-col-services = Services
halls-col-phone = Phone
halls-col-map = Map
halls-map-link = Open in a map app
halls-coordinates = Coordinates (WGS-84): { $lat }, { $lon }
halls-none = No reception hall is listed for this district.
halls-district-heading = { $district }

halls-yours = Reception halls for your hukou district ({ $district })
halls-yours-none = We have no reception hall listed for your hukou area ({ $district }): ask the exit-entry administration of your hukou area, or call 12367.
halls-all-link = All reception halls
halls-pickup-at = { $name }, { $address } (open { $hours })
halls-address-line = Address: { $address }
halls-hours-line = Open: { $hours }
halls-phone-line = Phone: { $phone }
halls-collect-at = Collect at { $hall }

api-bad-district = "{ $value }" is not a district code: six digits, such as 310101.
