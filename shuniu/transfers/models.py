"""Models of shuniu.transfers."""
