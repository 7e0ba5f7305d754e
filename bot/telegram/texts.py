"""What the Telegram channel itself says.

The welcome and the privacy notice are the service's own words, kept in one place for both
channels (content/services.yml `welcome` and `privacy_notice`, which admins may change); only
the line on how to use the bot is Telegram's.
"""

from bot.content import get_content

START_HINT = "Type your question, or /help to see what I can help with. In an emergency, call 999."
TEXT_ONLY = (
    "Sorry, I can only read text messages. Please type your question and I'll do my best to help."
)


def welcome() -> str:
    """/start: the welcome, the privacy notice, and how to use the bot."""
    content = get_content()
    return "\n\n".join(
        part for part in (content.welcome, content.privacy_notice, START_HINT) if part
    )
