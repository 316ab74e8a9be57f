## API and page texts of the service (api-*)
api-placeholder = wangban
