## Who may apply online: each rule's title, pass text, fail text and way forward

elig-na-no-document = You hold no such document, so this does not apply.
elig-na-reason = This does not apply to the reason you chose.

elig-pilot-city-title = Your hukou is in a city where the online service is open
elig-pilot-city-pass = Your hukou is in { $city_en }, where the online service is open.
elig-pilot-city-fail = Your hukou is in { $area }, where the online service is not open yet.
elig-pilot-city-next = Apply at the exit-entry reception hall of your hukou area, or online once the service opens there.

elig-minimum-age-title = You are { $min } or over
elig-minimum-age-pass = You are { $min } or over.
elig-minimum-age-fail = You are { $age }; the online service is for residents aged { $min } and over.
elig-minimum-age-next = Apply with your guardian at the exit-entry reception hall of your hukou district ({ $district }).

elig-state-functionary-title = You are not a registered state functionary
elig-state-functionary-pass = You are not registered as a state functionary.
elig-state-functionary-fail = You are registered as a state functionary, who apply at a counter.
elig-state-functionary-next = With your employer's approval, apply at the exit-entry reception hall of your hukou district ({ $district }).

elig-active-military-title = You are not on active military service
elig-active-military-pass = You are not on active military service.
elig-active-military-fail = Active military personnel apply at a counter.
elig-active-military-next = With your unit's approval, apply at the exit-entry reception hall of your hukou district ({ $district }).

elig-issued-before-title = You have been issued this document before
elig-issued-before-pass = You have been issued this document before ({ $kind }).
elig-issued-before-fail = You have not been issued this document before ({ $kind }): a first application needs your fingerprints and is made in person.
elig-issued-before-next = Bring your resident ID card to the exit-entry reception hall of your hukou district ({ $district }) for a first application.

elig-document-in-force-title = Your current document is still valid
elig-document-in-force-pass = Your { $kind } is valid until { $expires }.
elig-document-in-force-fail = Your { $kind } expired on { $expires }; an expired document cannot be renewed online.
elig-document-in-force-cancelled = Your { $kind } has been cancelled and cannot be renewed online.
elig-document-in-force-next = Bring your resident ID card and the old document to the exit-entry reception hall of your hukou district ({ $district }).

elig-reported-lost-title = Your document has not been reported lost (a lost document is replaced as lost)
elig-reported-lost-pass = Your { $kind } has not been reported lost.
elig-reported-lost-fail = Your { $kind } has been reported lost, so it cannot be renewed as expiring or damaged.
elig-reported-lost-next = Apply again with the reason "lost or stolen".

elig-fingerprints-title = Your fingerprints were taken at an earlier application
elig-fingerprints-pass = Your fingerprints were taken at an earlier application.
elig-fingerprints-fail = We have no fingerprints on file for you; they are taken at a counter.
elig-fingerprints-next = Apply at the exit-entry reception hall of your hukou district ({ $district }), where your fingerprints will be taken.

elig-inside-mainland-title = You are in mainland China when you submit
elig-inside-mainland-pass = You entered mainland China on { $date } and are here now.
elig-inside-mainland-never-left = There is no record of you leaving: you are in mainland China.
elig-inside-mainland-fail = Our records show you left mainland China on { $date } and have not come back; online applications are submitted from mainland China.
elig-inside-mainland-next = Apply once you are back, or contact a Chinese embassy or consulate if you need a document abroad urgently.

elig-reason-fits-kind-title = The reason applies to this document
elig-reason-fits-kind-pass = "{ $reason }" applies to the { $kind }.
elig-reason-fits-kind-fail = "{ $reason }" does not apply to the { $kind } (visa pages are for passports only).
elig-reason-fits-kind-next = Choose another reason.

elig-expiring-soon-title = To renew as expiring, less than { $months } months of validity are left
elig-expiring-soon-pass = Your { $kind } expires on { $expires }, less than { $months } months from now.
elig-expiring-soon-fail = Your { $kind } is valid until { $expires }, more than { $months } months from now: it does not need renewing yet.
elig-expiring-soon-next = You can apply to renew it from { $opens }. If it is damaged or lost, or its visa pages are used up, choose that reason instead.

elig-visa-pages-title = To renew for visa pages, the passport's visa pages are used up
elig-visa-pages-pass = Your passport has { $pages } blank visa pages left, so it can be renewed.
elig-visa-pages-fail = Your passport still has { $pages } blank visa pages.
elig-visa-pages-unknown = We have no record of your passport's visa pages, so this cannot be confirmed online.
elig-visa-pages-next = Apply when the visa pages are used up or when your passport can be renewed as expiring, or bring your passport to a reception hall to have it checked.

elig-open-application-title = One application in progress per kind of document
elig-open-application-pass = You have no application in progress for this document ({ $kind }).
elig-open-application-fail = You already have an application in progress for this document ({ $kind }).
elig-open-application-next = Continue with that application, or withdraw it first.
