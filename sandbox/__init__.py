"""`gigbot sandbox`: chat with gigbot in a browser as several people, without Telegram."""
