"""responses-mock: a self-hosted server that speaks the OpenAI Responses API."""

__version__ = "0.1.0"
