"""Every model id the course uses, in one place; COURSE_MODEL overrides the real providers' ids."""

OFFLINE_MODEL_ID = "course-offline"

# The SDK's own default (agents/models/default_models.py in openai-agents 0.24.0).
OPENAI_MODEL_ID = "gpt-5.6-luna"

# Google's alias for its current Flash model on the Gemini API.
GEMINI_MODEL_ID = "gemini-flash-latest"

DEFAULT_MODEL_IDS = {
    "offline": OFFLINE_MODEL_ID,
    "openai": OPENAI_MODEL_ID,
    "gemini": GEMINI_MODEL_ID,
}
