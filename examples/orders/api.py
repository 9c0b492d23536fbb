"""The HTTP front door: `POST /orders` takes an order and publishes `Order.Created`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from azure.core.exceptions import AzureError
from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field

from .models import Order, OrderLine
from .publisher import OrderPublisher
from .settings import Settings


class OrderLineIn(BaseModel):
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)


class OrderIn(BaseModel):
    order_id: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    lines: list[OrderLineIn] = Field(min_length=1)

    def to_order(self) -> Order:
        return Order(
            self.order_id,
            self.customer_id,
            tuple(OrderLine(line.sku, line.quantity) for line in self.lines),
        )


class OrderAccepted(BaseModel):
    order_id: str
    event_id: str


def create_app(settings: Settings | None = None) -> FastAPI:
    """The orders API; settings come from the environment unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with OrderPublisher(settings or Settings.from_env()) as publisher:
            app.state.publisher = publisher
            yield

    app = FastAPI(title="Orders", lifespan=lifespan)

    @app.post("/orders", status_code=202)
    async def create_order(body: OrderIn, request: Request) -> OrderAccepted:
        publisher: OrderPublisher = request.app.state.publisher
        try:
            [event] = await publisher.publish(body.to_order())
        except AzureError as error:
            raise HTTPException(503, "The order could not be queued; try again.") from error
        return OrderAccepted(order_id=body.order_id, event_id=event.id)

    return app
