## ID numbers, mobile numbers, names

id-length = An ID number has 18 characters; you entered { $found }.
id-not-digit = Character { $position } of an ID number must be a digit.
id-last-character = The last character of an ID number must be a digit or the letter X.
id-unknown-area = The first six digits "{ $code }" are not a valid area code.
id-no-such-date = The birth date { $date } in this ID number does not exist.
id-future-birth-date = The birth date { $date } in this ID number is after today.
id-check-character = The check character does not match (expected { $expected }, found { $found }): please check for a typing mistake.
sex-male = Male
sex-female = Female

phone-length = A mobile number has 11 digits; you entered { $found }.
phone-not-digits = A mobile number has only digits.
phone-prefix = Enter a mainland China mobile number (starting with 13 to 19).

name-empty = Enter your name.
name-too-short = A name has at least 2 Chinese characters.
name-too-long = A name has at most { $max } characters.
name-bad-character = "{ $character }" cannot appear in a name: enter your name in Chinese characters as on your ID card; names of ethnic minorities may use the middle dot "·".
name-misplaced-dot = The middle dot "·" can only stand between two parts of a name.
name-pinyin-letters = The pinyin spelling has only the letters A to Z (write ü as V or YU).
name-pinyin-missing-part = Enter both the pinyin surname and the pinyin given name.

appno-length = An application number has 9 characters after WB; you entered { $found }.
appno-bad-character = Application numbers do not use the character "{ $character }".
appno-check = This application number has a typing mistake (the check character does not match).

s10-length = A postal item number has 13 characters; you entered { $found }.
s10-service-indicator = A postal item number starts with two letters.
s10-digits = Characters 3 to 11 of a postal item number are digits.
s10-country = A postal item number ends with a two-letter country code.
s10-check-digit = The check digit of this postal item number does not match (expected { $expected }, found { $found }).

money-bad-amount = "{ $text }" is not an amount (for example 120 or 60.50).
