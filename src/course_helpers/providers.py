"""`setup()`: pick the model every following `Agent` uses: offline, OpenAI, Gemini, LiteLLM or any server."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import openai

from agents import (
    Model,
    ModelProvider,
    ModelSettings,
    MultiProvider,
    RunConfig,
    TracingProcessor,
    set_trace_processors,
    set_tracing_export_api_key,
)
from agents.run import AgentRunner, set_default_agent_runner

from . import model_ids
from .errors import CourseProviderError, CourseSetupError, NotAnAPIReply, Provider, explain_provider_error
from .gemini import GEMINI_BASE_URL, GeminiClient
from .tracing import LocalTraceCollector, collector
from .urls import base_url_from, redact_logged_urls, safe_url

# LiteLLM must never fetch its cost map over the network; it reads this when it is first imported.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

PROVIDERS = ("offline", "openai", "gemini", "litellm", "openai-compatible")
_KEY_NAMES = {
    "openai": ("OPENAI_API_KEY",),
    "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "litellm": ("COURSE_API_KEY",),
    "openai-compatible": ("COURSE_API_KEY",),
}
_SERVICES = {"openai": "OpenAI", "gemini": "Gemini", "litellm": "LiteLLM"}
# Where a base URL may come from.
_URL_SETTINGS = {"openai": "OPENAI_BASE_URL", "litellm": "COURSE_BASE_URL", "openai-compatible": "COURSE_BASE_URL"}
OPENAI_HOST = "api.openai.com"
# Timeouts and retries for real providers. A non-streamed reply arrives only once the whole answer is generated,
# and a streamed one can pause while a reasoning model thinks, so the read timeout must fit a whole course answer:
# seconds on a hosted model, tens of seconds on a reasoning model or a local model on a CPU; 60 s fits them and
# COURSE_TIMEOUT raises it. Connecting is a handshake that takes well under a second to any server that is up,
# so 5 s is plenty. One retry rides out a dropped connection, a 429 or a 5xx; the openai client's defaults
# (a 600 s read timeout, retried twice) made a server that never answers cost half an hour.
_DEFAULT_TIMEOUT = 60.0
_CONNECT_TIMEOUT = 5.0
_RETRIES = 1
_OFFLINE_LINE = ("Model: offline course model (deterministic, no network, no key). To use a real LLM, "
                 "set OPENAI_API_KEY or GEMINI_API_KEY and re-run; see 00_start_here.")
# How to get back to offline, by how the provider was chosen: a sentence to print, a clause for errors.
_SWITCH_BACK = {
    "auto": ("Unset the key or set COURSE_PROVIDER=offline to run offline.", "unset the key to run offline"),
    "env": ("Set COURSE_PROVIDER=offline to run offline.", "set COURSE_PROVIDER=offline to run offline"),
    "argument": ('Call setup("offline") to run offline.', 'call setup("offline") to run offline'),
}


@dataclass(frozen=True)
class CourseModel:
    """What `setup()` chose: the provider, the model every run uses, and the local trace collector."""

    provider: str
    model_id: str
    description: str
    model: Model = dataclasses.field(repr=False)
    traces: LocalTraceCollector = dataclasses.field(repr=False)
    # The key and base URL setup() used, for raw HTTP requests (endpoints.py); shown nowhere.
    connection: Connection = dataclasses.field(default_factory=lambda: Connection(), repr=False, compare=False)


class Connection:
    """The API key and base URL of a real provider; its repr and str never show them."""

    __slots__ = ("api_key", "base_url")

    def __init__(self, api_key: str | None = None, base_url: str | None = None) -> None:
        self.api_key, self.base_url = api_key, base_url

    def __repr__(self) -> str:
        return "Connection(<hidden>)"

    __str__ = __repr__


def setup(provider: str | None = None) -> CourseModel:
    """Make every following `Agent` without `model=` run on one provider, print which, and return it.

    `provider` (or the COURSE_PROVIDER variable) is one of: offline, openai, gemini, litellm,
    openai-compatible. Without one, an OpenAI key picks openai, a Gemini/Google key picks gemini,
    else offline. COURSE_MODEL overrides the model id; litellm needs it (a LiteLLM model string) and
    takes an optional COURSE_BASE_URL; openai-compatible needs COURSE_BASE_URL and COURSE_MODEL
    (COURSE_API_KEY is optional for both); openai honours OPENAI_BASE_URL as the openai client does.
    COURSE_TIMEOUT sets how many seconds to wait for a real provider's answer (default 60).
    Keys come from the environment, Colab secrets or a hidden prompt and are passed to the client, never printed.
    """
    name, chosen_by, key, key_source = _choose(provider)
    switch_back, offline_hint = _SWITCH_BACK[chosen_by]
    redact_logged_urls()
    if name == "offline":
        from .offline import OfflineModel

        course_provider = _CourseProvider(OfflineModel())
        course = CourseModel("offline", model_ids.OFFLINE_MODEL_ID, "offline course model",
                             course_provider.get_model(None), collector())
        line = _OFFLINE_LINE
    else:
        model_id, service, base_url, make_model = _real_provider(name, key, offline_hint)
        course_provider = _CourseProvider(make_model(model_id), make_model)
        course = CourseModel(name, model_id, f"{model_id} via {service}", course_provider.get_model(None),
                             collector(), Connection(key, base_url))
        source = f"key from {key_source}" if key else "no key"
        if name == "litellm" and not key:
            source = "keys as LiteLLM reads them from the environment"
        line = f"Model: {course.description} ({source}). {switch_back}"

    # The SDK picks default model settings (e.g. GPT-5 reasoning options) from this name.
    os.environ["OPENAI_DEFAULT_MODEL"] = course.model_id
    set_default_agent_runner(_CourseRunner(course_provider))
    _install_tracing(name, key, course.connection.base_url)
    print(line)
    return course


def _choose(provider: str | None) -> tuple[str, str, str | None, str | None]:
    """(provider name, how it was chosen, key, where the key came from)."""
    chosen_by = "argument"
    if provider is None and os.environ.get("COURSE_PROVIDER", "").strip():
        provider, chosen_by = os.environ["COURSE_PROVIDER"], "env"
    if provider is None:
        for name in ("openai", "gemini"):
            key, source = _find_key(_KEY_NAMES[name])
            if key:
                return name, "auto", key, source
        return "offline", "auto", None, None
    name = provider.strip().lower()
    if name not in PROVIDERS:
        raise CourseSetupError(f"Unknown provider {provider!r}: choose one of {', '.join(PROVIDERS)}.")
    if name == "offline":
        return name, chosen_by, None, None
    key, source = _find_key(_KEY_NAMES[name])
    if not key and name in ("openai", "gemini"):
        key, source = _ask_for_key(name, chosen_by)
    return name, chosen_by, key, source


def find_key(provider: str) -> str | None:
    """The provider's API key from the environment or Colab secrets; never printed."""
    return _find_key(_KEY_NAMES[provider])[0]


def key_names(provider: str) -> str:
    """Where a provider's key is read from, e.g. "GEMINI_API_KEY or GOOGLE_API_KEY"."""
    return " or ".join(_KEY_NAMES[provider])


def _find_key(names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The first key found under these names in the environment, then in Colab secrets."""
    for name in names:
        if value := os.environ.get(name, "").strip():
            return value, "the environment"
    for name in names:
        if value := _colab_secret(name):
            return value, "Colab secrets"
    return None, None


def _colab_secret(name: str) -> str | None:
    """A Colab secret's value, or None outside Colab or when it is missing or not shared with this notebook."""
    if "google.colab" not in sys.modules and "COLAB_RELEASE_TAG" not in os.environ:
        return None
    try:
        from google.colab import userdata

        return (userdata.get(name) or "").strip() or None
    except Exception:  # not in Colab, SecretNotFoundError, NotebookAccessError, TimeoutException
        return None


def _ask_for_key(name: str, chosen_by: str) -> tuple[str | None, str | None]:
    """Prompt for a missing key where a prompt can work; otherwise say how to provide one."""
    names = " or ".join(_KEY_NAMES[name])
    if _can_prompt():
        from getpass import getpass

        if key := getpass(f"Paste your {names} (input hidden): ").strip():
            return key, "the prompt"
    raise CourseSetupError(f"No API key for {_SERVICES[name]}: set {names} (or add it to Colab secrets) "
                           f"and re-run, or {_SWITCH_BACK[chosen_by][1]}.")


def _can_prompt() -> bool:
    """True in a kernel whose frontend accepts input, or in a terminal."""
    ipython = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    kernel = getattr(ipython, "kernel", None)
    if kernel is not None:
        return bool(getattr(kernel, "_allow_stdin", False))
    return sys.stdin is not None and sys.stdin.isatty()


LITELLM_MISSING = (
    "LiteLLM is not installed (an optional extra: it is big, and only the litellm provider and notebook 05 use it): "
    'install it with `pip install -e ".[litellm]"` in the course folder, or in Colab with '
    '`!pip install -q -e "/content/course[litellm]"`, then run this cell again'
)


def import_litellm(instead: str = "") -> Any:
    """The `litellm` module, an optional extra; when it is missing, one sentence on installing it (and `instead`)."""
    try:
        import litellm
    except ImportError:
        raise CourseSetupError(f"{LITELLM_MISSING}{', ' + instead if instead else ''}.") from None
    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banner before our one sentence
    return litellm


def _real_provider(
    name: str, key: str | None, offline_hint: str
) -> tuple[str, str, str | None, Callable[[str], Model]]:
    """(default model id, service name, base URL or None, a function making the wrapped model for a name)."""
    model_id = os.environ.get("COURSE_MODEL", "").strip() or model_ids.DEFAULT_MODEL_IDS.get(name, "")
    key_names = " or ".join(_KEY_NAMES[name])
    url_setting = _URL_SETTINGS.get(name)
    base_url = base_url_from(url_setting, offline_hint) if url_setting else None
    timeout = _timeout_seconds(offline_hint)
    if name == "litellm":
        if not model_id:
            raise CourseSetupError('The litellm provider needs a model: set COURSE_MODEL to a LiteLLM model '
                                   f'string like "provider/model-name", or {offline_hint}.')
        import_litellm(f"or {offline_hint}")
        from agents.extensions.models.litellm_model import LitellmModel

        service = f"LiteLLM at {safe_url(base_url)}" if base_url else "LiteLLM"
        key_names = f"{key_names} or the key LiteLLM reads for this model"
        limits = {"timeout": timeout, "num_retries": _RETRIES}  # LiteLLM's own, per call; one timeout for all

        class CourseLitellmModel(LitellmModel):
            """A `LitellmModel` with the course's timeout and retries, unless the agent's settings name their own.

            LiteLLM skips streamed lines that are not events, so an HTML page streams as an answer with no output;
            no model sends that, so it fails as `NotAnAPIReply`, as the non-streamed reply does.
            """

            async def get_response(self, system_instructions: Any, input: Any, model_settings: ModelSettings,
                                   *args: Any, **kwargs: Any) -> Any:
                return await super().get_response(system_instructions, input,
                                                  _with_extra_args(model_settings, limits), *args, **kwargs)

            async def stream_response(self, system_instructions: Any, input: Any, model_settings: ModelSettings,
                                      *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
                async for event in super().stream_response(system_instructions, input,
                                                           _with_extra_args(model_settings, limits), *args, **kwargs):
                    if event.type == "response.completed" and not event.response.output:
                        raise NotAnAPIReply("", streamed=True)
                    yield event

        def make(model: str) -> Model:
            return CourseLitellmModel(model, base_url=base_url, api_key=key)
    else:
        from agents import OpenAIProvider

        service = _SERVICES.get(name, "")
        if name == "gemini":
            base_url = GEMINI_BASE_URL
        elif base_url and urlsplit(base_url).hostname != OPENAI_HOST:
            service = f"the server at {safe_url(base_url)}"
        if name == "openai-compatible":
            if not base_url:
                raise CourseSetupError("The openai-compatible provider needs a server: set COURSE_BASE_URL (for "
                                       "Ollama, http://localhost:11434/v1) and COURSE_MODEL, "
                                       f"or {offline_hint}.")
            if not model_id:
                raise CourseSetupError(f"The openai-compatible provider needs a model: set COURSE_MODEL to a "
                                       f"model {service} offers, or {offline_hint}.")
        client = _openai_client(api_key=key or "not-needed", base_url=base_url, timeout=timeout,
                                client_class=GeminiClient if name == "gemini" else openai.AsyncOpenAI)
        sdk_provider = OpenAIProvider(openai_client=client, use_responses=name == "openai")
        make = sdk_provider.get_model

    def make_model(model: str) -> Model:
        provider = Provider(service, model, key_names, offline_hint, url_setting if base_url else None,
                            base_url or "", timeout, key)
        return _ErrorTranslatingModel(make(model), lambda error: explain_provider_error(error, provider))

    return model_id, service, base_url, make_model


def _with_extra_args(settings: ModelSettings, defaults: dict[str, Any]) -> ModelSettings:
    """`settings` with `defaults` added to its extra arguments, which win."""
    return dataclasses.replace(settings, extra_args={**defaults, **(settings.extra_args or {})})


def _timeout_seconds(offline_hint: str) -> float:
    """Seconds to wait for a provider's answer: COURSE_TIMEOUT, or the default."""
    text = os.environ.get("COURSE_TIMEOUT", "").strip()
    try:
        seconds = float(text) if text else _DEFAULT_TIMEOUT
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise CourseSetupError(f"COURSE_TIMEOUT must be a number of seconds, like 120 (it is {text!r}): "
                               f"fix it, unset it for {_DEFAULT_TIMEOUT:g} s, or {offline_hint}.")
    return seconds


def _openai_client(api_key: str, base_url: str | None, timeout: float, client_class: type) -> Any:
    """The OpenAI client for openai, gemini and openai-compatible (tests replace it to fake the network).

    A query in the base URL (`?api-version=...`) becomes the client's default query: the client would
    otherwise append its paths after it. Replies that are no API's fail as `NotAnAPIReply`.
    """
    parts = urlsplit(base_url or "")
    return client_class(
        api_key=api_key,
        base_url=urlunsplit(parts._replace(query="")) if base_url else None,
        default_query=dict(parse_qsl(parts.query)) or None,
        timeout=openai.Timeout(timeout, connect=min(_CONNECT_TIMEOUT, timeout)),
        max_retries=_RETRIES,
        http_client=openai.DefaultAsyncHttpxClient(event_hooks={"response": [_check_api_reply]}),
    )


async def _check_api_reply(response: Any) -> None:
    """Raise `NotAnAPIReply` for a successful reply that is not JSON (or, streamed, not server-sent events)."""
    if not response.is_success:
        return  # the client turns error statuses into its own exceptions
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        streamed = json.loads(response.request.content or b"{}").get("stream") is True
    except (ValueError, AttributeError):
        streamed = False
    if streamed and content_type == "text/event-stream":
        return
    if not streamed and content_type == "application/json":
        await response.aread()
        try:
            json.loads(response.content)
            return
        except ValueError:
            pass
    await response.aclose()
    raise NotAnAPIReply(content_type, streamed)


class _ErrorTranslatingModel(Model):
    """A real provider's model whose known failures become one-sentence `CourseProviderError`s."""

    def __init__(self, inner: Model, explain: Callable[[Exception], str | None]) -> None:
        self.inner = inner
        self._explain = explain

    def __repr__(self) -> str:
        return f"{type(self.inner).__name__}({getattr(self.inner, 'model', '')!r})"

    async def get_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self.inner.get_response(*args, **kwargs)
        except Exception as error:
            if (translated := self._translate(error)) is None:
                raise
            # `from None` hides the long chain; the original stays on __context__ for the SDK's retries.
            raise translated from None

    async def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            async for event in self.inner.stream_response(*args, **kwargs):
                yield event
        except Exception as error:
            if (translated := self._translate(error)) is None:
                raise
            raise translated from None

    def _translate(self, error: Exception) -> CourseProviderError | None:
        message = self._explain(error)
        if message is None:
            return None
        origin = f"{type(error).__module__}.{type(error).__name__}"
        return CourseProviderError(message, f"(The provider raised {origin}.)")

    def get_retry_advice(self, request: Any) -> Any:
        return self.inner.get_retry_advice(request)

    async def close(self) -> None:
        await self.inner.close()

    async def _cleanup_on_run_end(self, owner: object) -> None:
        await self.inner._cleanup_on_run_end(owner)


class _CourseProvider(ModelProvider):
    """Resolves model names to the active provider's models; offline, every name is the offline model."""

    def __init__(self, default: Model, make_model: Callable[[str], Model] | None = None) -> None:
        self._default = default
        self._make_model = make_model
        self._models: dict[str, Model] = {}

    def get_model(self, model_name: str | None) -> Model:
        if model_name is None or self._make_model is None:
            return self._default
        if model_name not in self._models:
            self._models[model_name] = self._make_model(model_name)
        return self._models[model_name]


class _CourseRunner(AgentRunner):
    """The SDK's runner, with the course provider as the default `RunConfig.model_provider`.

    `AgentRunner` and `set_default_agent_runner` are marked experimental in the SDK, so this stays tiny:
    it only fills in `run_config` and leaves explicit `Agent(model=...)`/`RunConfig(model=...)` alone.
    """

    def __init__(self, provider: ModelProvider) -> None:
        self.provider = provider

    async def run(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
        return await super().run(starting_agent, input, **self._with_provider(kwargs))

    def run_sync(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
        return super().run_sync(starting_agent, input, **self._with_provider(kwargs))

    def run_streamed(self, starting_agent: Any, input: Any, **kwargs: Any) -> Any:
        return super().run_streamed(starting_agent, input, **self._with_provider(kwargs))

    def _with_provider(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        config = kwargs.get("run_config")
        if config is None:
            config = RunConfig(model_provider=self.provider)
        elif isinstance(config, dict) and "model_provider" not in config:
            config = {**config, "model_provider": self.provider}
        elif isinstance(config, RunConfig) and type(config.model_provider) is MultiProvider:
            config = dataclasses.replace(config, model_provider=self.provider)
        return {**kwargs, "run_config": config}


def _install_tracing(name: str, key: str | None, base_url: str | None) -> None:
    """Keep traces locally; only with OpenAI's own API also export them to the OpenAI dashboard."""
    processors: list[TracingProcessor] = [collector()]
    if name == "openai" and key and urlsplit(base_url or f"https://{OPENAI_HOST}").hostname == OPENAI_HOST:
        from agents.tracing.processors import default_processor  # the SDK's exporter to the OpenAI dashboard

        set_tracing_export_api_key(key)
        processors.insert(0, default_processor())
    set_trace_processors(processors)
