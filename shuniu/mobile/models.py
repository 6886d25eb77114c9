"""Models of shuniu.mobile."""
