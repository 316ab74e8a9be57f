common-hotline = For help, call the National Immigration Administration hotline 12367.
