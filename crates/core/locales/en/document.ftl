## Document kinds, reasons, document numbers

kind-passport = ordinary passport
kind-hk-macao-permit = Mainland travel permit for Hong Kong and Macao
kind-taiwan-permit = travel permit to Taiwan
reason-expiring-soon = less than 6 months of validity left
reason-damaged = damaged
reason-lost-or-stolen = lost or stolen
reason-visa-pages-used-up = visa pages used up
code-unknown = Unknown code "{ $code }".
docnum-empty = Enter the document number.
docnum-format = "{ $number }" is not a valid document number (for example { $example }).
