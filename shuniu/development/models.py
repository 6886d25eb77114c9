"""Models of shuniu.development."""
