"""The runtime model, measured: what the leaky variant retains and the fixed variant frees.

The agent stays alive throughout, as a service's agent does (``app.AGENT``); everything else —
outputs, consumers — is dropped, then collected, then measured.  Assertions are on counts of live
objects (weak references) and on ratios of traced memory, never on times, so a loaded machine
cannot make them flaky.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import tracemalloc

import pytest

from fixtures.streamsys.fake_model import FakeModel
from fixtures.streamsys.load import PROMPT, drain, measure

VARIANTS = ("leaky", "fixed")
STREAMS = 200


def variant(name):
    return importlib.import_module(f"fixtures.streamsys.{name}")


def model() -> FakeModel:
    # 2 steps × 10 chunks × 5,000 characters: 100 KB of text per stream.
    return FakeModel(chunk_size=5_000, chunks_per_step=10, steps=2)


# ---------------------------------------------------------------------------------- functional
@pytest.mark.parametrize("name", VARIANTS)
def test_concurrent_consumers_and_late_subscriber_see_everything(name):
    async def scenario():
        agent = variant(name).Agent(model())
        output = await agent.stream(PROMPT)
        full, text, objects = output.full_stream, output.text_stream, output.object_stream
        chunks, texts, objs = await asyncio.gather(drain(full), drain(text), drain(objects))
        late = await drain(output.full_stream)
        return chunks, texts, objs, late

    chunks, texts, objs, late = asyncio.run(scenario())
    assert "".join(texts) == model().expected_text(PROMPT)
    assert len(chunks) == 2 * 10 + 2  # text deltas, one tool call, one object
    assert objs == [{"answer": len(PROMPT) + 1, "steps": 2}]
    assert late == chunks, "a subscriber attached after finish gets the whole stream by replay"


@pytest.mark.parametrize("name", VARIANTS)
def test_suspend_and_resume_deliver_the_whole_stream(name):
    async def scenario():
        agent = variant(name).Agent(model())
        output = await agent.stream(PROMPT, suspend=True)
        consumer = output.text_stream
        await output.wait()
        assert output.suspended and not output.finished
        resumed = await agent.resume(output.run_id, PROMPT)
        return resumed is output, "".join(await drain(consumer))

    same, text = asyncio.run(scenario())
    assert same
    assert text == model().expected_text(PROMPT)


def test_fixed_cancelling_one_consumer_leaves_the_others_complete():
    async def scenario():
        agent = variant("fixed").Agent(model())
        output = await agent.stream(PROMPT)
        cancelled, other = output.full_stream, output.text_stream
        cancelled.cancel()
        return await drain(cancelled), "".join(await asyncio.wait_for(drain(other), timeout=30))

    cut, text = asyncio.run(scenario())
    assert cut == []
    assert text == model().expected_text(PROMPT)


def test_leaky_cancelling_one_consumer_cuts_off_the_others():
    """The defect as the incident had it: cancel() calls remove_all_listeners()."""

    async def scenario():
        agent = variant("leaky").Agent(model())
        output = await agent.stream(PROMPT)
        cancelled, other = output.full_stream, output.text_stream
        cancelled.cancel()
        await output.wait()
        with pytest.raises(asyncio.TimeoutError):
            # The stream has finished, but the other consumer lost its finish listener: its end
            # never comes.  One second is a bound on waiting for something that cannot happen.
            await asyncio.wait_for(drain(other), timeout=1)
        return other.received

    assert asyncio.run(scenario()) == 0


# ---------------------------------------------------------------------------------- memory query
MALFORMED = {"t1": [{"id": "m1", "content": {"format": 2, "parts": []}}, {"id": "m2", "content": 4822}]}


def test_leaky_memory_query_crashes_the_stream_and_leaves_the_run_behind():
    leaky = variant("leaky")

    async def scenario():
        agent = leaky.Agent(model(), memory=leaky.Memory(MALFORMED))
        with pytest.raises(TypeError, match="argument of type 'int' is not iterable"):
            await agent.stream(PROMPT, thread_id="t1")
        return [w.run_count() for w in agent._workflows.values()]

    assert asyncio.run(scenario()) == [1], "the run was created, never started, and never cleaned up"


def test_fixed_memory_query_skips_malformed_messages_with_a_warning(caplog):
    fixed = variant("fixed")

    async def scenario():
        agent = fixed.Agent(model(), memory=fixed.Memory(MALFORMED))
        output = await agent.stream(PROMPT, thread_id="t1")
        return "".join(await drain(output.text_stream))

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(scenario()) == model().expected_text(PROMPT)
    assert "message 'm2' in thread 't1' has content of type int" in caplog.text


def test_fixed_memory_query_strict_raises_a_typed_error_before_any_run_exists():
    fixed = variant("fixed")

    async def scenario():
        agent = fixed.Agent(model(), memory=fixed.Memory(MALFORMED, strict=True))
        with pytest.raises(fixed.MalformedMessageError, match="'m2'.*type int, expected a message object"):
            await agent.stream(PROMPT, thread_id="t1")
        return agent.pubsub_listeners(), agent._suspended

    assert asyncio.run(scenario()) == (0, {})


def test_fixed_summaries_are_bounded():
    from fixtures.streamsys.fixed.summarize import MAX_TOTAL, summarize

    cyclic = {"a": "x" * 100_000, "b": list(range(1_000)), "blob": b"\0" * 10_000}
    cyclic["self"] = cyclic
    text = summarize([cyclic] * 10)
    assert len(text) <= MAX_TOTAL
    assert "<cycle>" in text and "<binary 10000 bytes>" in text and "more items>" in text


# ---------------------------------------------------------------------------------- retention
@pytest.fixture
def traced():
    tracemalloc.start()
    yield
    tracemalloc.stop()


def test_leaky_retains_every_stream(traced):
    agent = variant("leaky").Agent(model())
    first = measure(agent, STREAMS // 2)
    second = measure(agent, STREAMS // 2)
    # Every output of every stream is still alive, through the agent's pubsub listeners.
    assert first.live_outputs == STREAMS // 2 and second.live_outputs == STREAMS // 2
    assert second.pubsub_listeners == STREAMS
    # 100 KB of text per stream, buffered several times over (outer output, step output,
    # processor parts and accumulated text): at least 100 KB retained per stream...
    assert first.retained_bytes > (STREAMS // 2) * 100_000
    # ...and it keeps growing at the same rate: the second half retains as much again.
    assert second.retained_bytes > 0.8 * first.retained_bytes


def test_fixed_retention_stays_flat(traced):
    agent = variant("fixed").Agent(model())
    first = measure(agent, STREAMS // 2)
    second = measure(agent, STREAMS // 2)
    assert first.live_outputs == 0 and second.live_outputs == 0
    assert second.pubsub_listeners == 0
    assert agent._suspended == {}
    # What remains is the exporter's bounded window (64 spans of at most 2 × 8 KB summaries)
    # and interpreter caches: well under 2 MB, against the leaky variant's >10 MB per 100
    # streams, and the second batch adds (almost) nothing to the first.
    assert first.retained_bytes < 2_000_000
    assert second.retained_bytes < 500_000


def test_leaky_suspended_and_never_started_runs_stay_in_the_registry():
    leaky = variant("leaky")

    async def scenario():
        agent = leaky.Agent(model(), memory=leaky.Memory(MALFORMED))
        suspended = await agent.stream(PROMPT, suspend=True)
        await suspended.wait()
        await agent.resume(suspended.run_id, PROMPT)
        completed = await agent.stream(PROMPT)
        await completed.wait()
        with pytest.raises(TypeError):
            await agent.stream(PROMPT, thread_id="t1")
        return [w.run_count() for w in agent._workflows.values()]

    # resumed run: kept; completed run: cleaned; never-started run: kept
    assert asyncio.run(scenario()) == [1, 0, 1]


class FailingModel(FakeModel):
    """Fails after the first chunk of the second step, as a model call that errors mid-stream."""

    async def generate(self, prompt, step):
        async for chunk in super().generate(prompt, step):
            yield chunk
            if step == 1:
                raise RuntimeError("model failed")


def test_fixed_run_that_fails_ends_its_stream_and_lets_go():
    """The consumer gets an error chunk and the end (no hang); the run unsubscribes; nothing —
    not even the exception's traceback — keeps the output alive."""
    import gc
    import weakref

    async def scenario():
        agent = variant("fixed").Agent(FailingModel(chunk_size=10, chunks_per_step=3, steps=2))
        output = await agent.stream(PROMPT)
        chunks = await asyncio.wait_for(drain(output.full_stream), timeout=30)
        return agent, weakref.ref(output), chunks

    agent, output, chunks = asyncio.run(scenario())
    gc.collect()
    assert chunks[-1] == {"type": "error", "error": "RuntimeError: model failed"}
    assert agent.pubsub_listeners() == 0
    assert output() is None


def test_leaky_run_that_fails_keeps_its_listener_and_output():
    import gc
    import weakref

    async def scenario():
        agent = variant("leaky").Agent(FailingModel(chunk_size=10, chunks_per_step=3, steps=2))
        output = await agent.stream(PROMPT)
        for _ in range(50):  # let the run's task reach the failure
            await asyncio.sleep(0)
        return agent, weakref.ref(output)

    agent, output = asyncio.run(scenario())
    gc.collect()
    assert agent.pubsub_listeners() == 1
    assert output() is not None


# ---------------------------------------------------------------------------------- per-request state
def _generate_then_cancel(name, model_for_run):
    """A request that waits for its stream (``generate``) and is cancelled by its client, then the
    stream is let run to its end; returns the agent and weak references to the request's output."""
    import gc
    import weakref

    async def scenario():
        agent = variant(name).Agent(model_for_run)
        request = asyncio.ensure_future(agent.generate(PROMPT))
        for _ in range(20):  # the request is now waiting on its stream
            await asyncio.sleep(0)
        (run_id, output), = agent._waiting.items()
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        for _ in range(1_000):  # the run goes on to its end (or its failure)
            await asyncio.sleep(0)
        return agent, run_id, weakref.ref(output)

    agent, run_id, output = asyncio.run(scenario())
    gc.collect()
    return agent, run_id, output


@pytest.mark.parametrize("failing", [False, True], ids=["client-cancels", "model-fails-then-client-cancels"])
def test_leaky_cancelled_request_stays_tracked_with_its_output(failing):
    make = FailingModel if failing else FakeModel
    agent, run_id, output = _generate_then_cancel("leaky", make(chunk_size=10, chunks_per_step=100, steps=2))
    assert run_id in agent._waiting
    assert output() is not None


@pytest.mark.parametrize("failing", [False, True], ids=["client-cancels", "model-fails-then-client-cancels"])
def test_fixed_cancelled_request_is_forgotten_and_its_output_freed(failing):
    make = FailingModel if failing else FakeModel
    agent, _run_id, output = _generate_then_cancel("fixed", make(chunk_size=10, chunks_per_step=100, steps=2))
    assert agent._waiting == {}
    assert output() is None


def test_fixed_generate_after_a_model_failure_returns_and_forgets_the_request():
    async def scenario():
        agent = variant("fixed").Agent(FailingModel(chunk_size=10, chunks_per_step=3, steps=2))
        text = await asyncio.wait_for(agent.generate(PROMPT), timeout=30)
        return agent, text

    agent, text = asyncio.run(scenario())
    assert text and agent._waiting == {}


def test_leaky_generate_after_a_model_failure_never_returns_and_stays_tracked():
    async def scenario():
        agent = variant("leaky").Agent(FailingModel(chunk_size=10, chunks_per_step=3, steps=2))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(agent.generate(PROMPT), timeout=0.5)
        return agent

    agent = asyncio.run(scenario())
    assert len(agent._waiting) == 1
