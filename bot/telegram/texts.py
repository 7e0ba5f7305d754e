"""What the Telegram channel itself says."""

WELCOME = (
    "Hello, this is the Welfare Advice Line assistant from the Big Life Company. I can help "
    "with money, benefits, housing and other welfare questions while you're on probation.\n\n"
    "Privacy: your messages are stored so our advisors can help you. Please don't share more "
    "than you need to. In an emergency call 999.\n\n"
    "Type your question, or /help to see what I can help with."
)
TEXT_ONLY = (
    "Sorry, I can only read text messages. Please type your question and I'll do my best to help."
)
