"""Custom actions for the welfare advice line (rasa-sdk action server)."""
