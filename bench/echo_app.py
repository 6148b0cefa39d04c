"""The baseline: a bare FastAPI endpoint that only echoes what it is sent."""
from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.post("/echo")
async def echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/json")
