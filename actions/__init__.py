"""Custom actions for the welfare advice line (rasa-sdk action server)."""

from actions import sdk_compat

sdk_compat.install()
