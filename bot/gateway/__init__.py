"""The gateway: one routing function between the channels, the assistant and advisors."""
