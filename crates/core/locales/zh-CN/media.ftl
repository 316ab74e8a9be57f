## Upload checks (media)
media-placeholder = x
