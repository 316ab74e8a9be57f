## 出入境接待大厅：名录页面、资格检查结果和领取方式中显示的大厅

halls-day-mon = 周一
halls-day-tue = 周二
halls-day-wed = 周三
halls-day-thu = 周四
halls-day-fri = 周五
halls-day-sat = 周六
halls-day-sun = 周日
halls-hours-days = { $from }至{ $to } { $times }
halls-hours-day = { $day } { $times }
halls-service-first-time = 首次申请
halls-service-pickup = 领取证件

halls-title = 出入境接待大厅
halls-intro = 首次申请、证件已过期或不能网上办理的，请到出入境接待大厅办理。选择自取的证件在户籍所在区的接待大厅领取。
halls-sample = 本名录为演示用的示例数据，地址和办公时间并非真实信息。服务上线前将替换为公布的接待大厅名录。
halls-col-name = 接待大厅
halls-col-address = 地址
halls-col-hours = 办公时间
halls-col-services = 业务范围
halls-col-phone = 电话
halls-col-map = 地图
halls-map-link = 在地图应用中打开
halls-coordinates = 坐标（WGS-84）：{ $lat }，{ $lon }
halls-none = 该区暂无登记的接待大厅。
halls-district-heading = { $district }

halls-yours = 您户籍所在区（{ $district }）的出入境接待大厅
halls-yours-none = 暂无您户籍所在地（{ $district }）的接待大厅信息，请咨询户籍所在地出入境管理部门或拨打12367。
halls-all-link = 全部出入境接待大厅
halls-pickup-at = { $name }，{ $address }（办公时间：{ $hours }）
halls-address-line = 地址：{ $address }
halls-hours-line = 办公时间：{ $hours }
halls-phone-line = 电话：{ $phone }
halls-collect-at = 到{ $hall }领取

api-bad-district = “{ $value }”不是区县代码：应为六位数字，例如310101。
