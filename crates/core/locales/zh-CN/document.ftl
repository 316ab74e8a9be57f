## 证件种类、申请事由、证件号码

kind-passport = 普通护照
kind-hk-macao-permit = 往来港澳通行证
kind-taiwan-permit = 往来台湾通行证
reason-expiring-soon = 有效期不足6个月
reason-damaged = 证件损毁
reason-lost-or-stolen = 证件遗失或被盗
reason-visa-pages-used-up = 护照签证页使用完毕
code-unknown = 无法识别的代码“{ $code }”。
docnum-empty = 请填写证件号码。
docnum-format = “{ $number }”不是有效的证件号码（例如{ $example }）。
