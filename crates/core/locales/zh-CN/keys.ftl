## 静态数据加密：`wangban keys` 的输出

keys-rotated = 已用密钥加密密钥“{ $kek }”重新包装 { $rewrapped } 个存储的密钥；另有 { $unchanged } 个原已由其包装。
keys-checked = { $count } 个数据密钥可用已配置的密钥加密密钥打开（当前启用：“{ $kek }”）。
keys-local-made = 未配置密钥加密密钥：已生成 { $path }（仅限演示；生产环境请配置 [keys]）。
keys-generated = 新的密钥加密密钥已输出到标准输出。请妥善保密：存入仅服务可读的文件，在 [keys] 中以新标识添加并设为启用，然后运行“wangban keys rotate”。
keys-error-unknown-kek = 需要密钥加密密钥“{ $id }”，但未配置。未作任何更改。
keys-error-wrong-key = 密钥加密密钥“{ $id }”无法打开已存储的数据密钥（密钥错误）。未作任何更改。
keys-error-no-active = 没有可用的启用中的密钥加密密钥：{ $reason }
keys-error-bad-key = 密钥加密密钥“{ $id }”无效：{ $reason }
keys-error-key-file = 无法读取或写入密钥文件 { $path }：{ $reason }
keys-error = 无法使用已存储的密钥：{ $reason }
