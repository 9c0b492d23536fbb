"""The library: the `EventGrid` facade, `mock_eventgrid()`, views, history and assertions.

It works without pytest; the plugin composes it.
"""
