"""The HTTP client behind :mod:`pier_client`: one connection per call, JSON in and out, OIP v2 for inference."""

import json
import os
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

# OIP datatypes and their little-endian struct codes for the binary tensor extension; BYTES is length-prefixed.
_STRUCT = {
    "BOOL": "?", "UINT8": "B", "UINT16": "H", "UINT32": "I", "UINT64": "Q",
    "INT8": "b", "INT16": "h", "INT32": "i", "INT64": "q", "FP16": "e", "FP32": "f", "FP64": "d",
}


class PierError(Exception):
    """An answer that was not 2xx: ``status`` is the HTTP status, ``message`` the server's explanation."""

    def __init__(self, status: int, message: str, body: Any = None):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.body = body


@dataclass
class Tensor:
    """One OIP tensor: ``data`` is flat, in row-major order (``shape`` gives the dimensions)."""

    name: str
    datatype: str
    shape: List[int]
    data: List[Any] = field(default_factory=list)
    parameters: Dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        out = {"name": self.name, "datatype": self.datatype, "shape": list(self.shape), "data": list(self.data)}
        if self.parameters:
            out["parameters"] = self.parameters
        return out

    @staticmethod
    def from_json(node: Dict[str, Any]) -> "Tensor":
        return Tensor(node["name"], node["datatype"], list(node["shape"]), _flatten(node.get("data", [])),
                      dict(node.get("parameters") or {}))


@dataclass
class InferResult:
    """An OIP inference response."""

    model_name: str
    model_version: Optional[str]
    outputs: List[Tensor]
    id: Optional[str] = None
    parameters: Dict[str, Any] = field(default_factory=dict)
    binary: bool = False  # whether the server answered with the binary tensor extension

    def output(self, name: str) -> Tensor:
        for t in self.outputs:
            if t.name == name:
                return t
        raise KeyError(f"no output named {name!r}; outputs: {[t.name for t in self.outputs]}")


def _flatten(data: Any) -> List[Any]:
    if isinstance(data, list) and any(isinstance(x, list) for x in data):
        return [y for x in data for y in _flatten(x)]
    return list(data) if isinstance(data, list) else [data]


def _pack(t: Tensor) -> bytes:
    if t.datatype == "BYTES":
        out = bytearray()
        for v in t.data:
            b = v.encode("utf-8") if isinstance(v, str) else bytes(v)
            out += struct.pack("<I", len(b)) + b
        return bytes(out)
    code = _STRUCT.get(t.datatype)
    if code is None:
        raise ValueError(f"unknown OIP datatype {t.datatype!r}")
    return struct.pack(f"<{len(t.data)}{code}", *t.data)


def _unpack(datatype: str, raw: bytes) -> List[Any]:
    if datatype == "BYTES":
        out, i = [], 0
        while i < len(raw):
            (n,) = struct.unpack_from("<I", raw, i)
            out.append(raw[i + 4:i + 4 + n])
            i += 4 + n
        return out
    code = _STRUCT[datatype]
    return list(struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw))


def _all_pages(http: "_Http", path: str, field: str, query: Dict[str, Any],
               page_size: int = 1000) -> List[Dict[str, Any]]:
    """Every item of a listing the server pages (``max_results``, ``page_token`` -> ``next_page_token``)."""
    out: List[Dict[str, Any]] = []
    token: Optional[str] = None
    while True:
        page = http.json("GET", path, query={**query, "max_results": str(page_size), "page_token": token})
        out.extend(page[field])
        token = page.get("next_page_token")
        if not token:
            return out


class _Http:
    def __init__(self, url: str, api_key: Optional[str], timeout: float):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def call(self, method: str, path: str, body: Optional[bytes] = None, content_type: Optional[str] = None,
             headers: Optional[Dict[str, str]] = None, query: Optional[Dict[str, Any]] = None):
        """Returns (status, headers, body bytes); raises PierError on a status that is not 2xx."""
        url = self.url + path
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                url += "?" + urllib.parse.urlencode(q)
        req = urllib.request.Request(url, data=body, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        if self.api_key:
            req.add_header("X-Api-Key", self.api_key)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            message, parsed = raw.decode("utf-8", "replace"), None
            try:
                parsed = json.loads(raw)
                # OIP answers {"error": ...}; /api/v1 answers RFC 9457 problem+json; MLflow {"message": ...}
                message = parsed.get("error") or parsed.get("detail") or parsed.get("message") or message
            except ValueError:
                pass
            raise PierError(e.code, message, parsed) from None

    def json(self, method: str, path: str, payload: Any = None, **kw) -> Any:
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        _, _, raw = self.call(method, path, body, "application/json" if body is not None else None, **kw)
        return json.loads(raw) if raw else None


class Models:
    """The model registry: registered models, versions and aliases."""

    def __init__(self, http: _Http):
        self._http = http

    def list(self) -> List[Dict[str, Any]]:
        return self._http.json("GET", "/api/v1/models")["models"]

    def get(self, name: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/models/{_q(name)}")

    def version(self, name: str, version: Any) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/models/{_q(name)}/versions/{_q(str(version))}")

    def register(self, name: str, artifact: str, framework: str, **metadata: Any) -> Dict[str, Any]:
        """Registers the file at ``artifact`` as a new version; ``metadata`` adds registration fields (signature,
        tags, description, …). Returns the version (its number under ``version``)."""
        boundary = "pier-" + uuid.uuid4().hex
        meta = dict(metadata, framework=framework)
        with open(artifact, "rb") as f:
            content = f.read()
        body = b"".join([
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
            f"Content-Type: application/json\r\n\r\n".encode(), json.dumps(meta).encode(), b"\r\n",
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\""
            f"{os.path.basename(artifact)}\"\r\nContent-Type: application/octet-stream\r\n\r\n".encode(),
            content, f"\r\n--{boundary}--\r\n".encode()])
        _, _, raw = self._http.call("POST", f"/api/v1/models/{_q(name)}/versions", body,
                                    f"multipart/form-data; boundary={boundary}")
        return json.loads(raw)

    def set_alias(self, name: str, alias: str, version: int) -> Dict[str, Any]:
        return self._http.json("PUT", f"/api/v1/models/{_q(name)}/aliases/{_q(alias)}", {"version": version})

    def alias(self, name: str, alias: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/models/{_q(name)}/aliases/{_q(alias)}")


class Batch:
    """Batch scoring jobs over files in S3."""

    def __init__(self, http: _Http):
        self._http = http

    def submit(self, model: str, input: str, version: Optional[str] = None, output: Optional[str] = None,
               format: Optional[str] = None, priority: Optional[str] = None,
               unit_column: Optional[str] = None) -> Dict[str, Any]:
        """Starts a job; ``unit_column`` scores each row by its unit's arm in the experiment on the alias."""
        body = {k: v for k, v in dict(model=model, input=input, version=version, output=output, format=format,
                                      priority=priority, unit_column=unit_column).items() if v is not None}
        return self._http.json("POST", "/api/v1/batch-jobs", body)

    def get(self, job_id: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/batch-jobs/{_q(job_id)}")

    def list(self, model: Optional[str] = None, state: Optional[str] = None) -> List[Dict[str, Any]]:
        return self._http.json("GET", "/api/v1/batch-jobs", query={"model": model, "state": state})["jobs"]

    def cancel(self, job_id: str) -> Dict[str, Any]:
        return self._http.json("POST", f"/api/v1/batch-jobs/{_q(job_id)}/cancel")

    def wait(self, job_id: str, timeout: float = 300, poll: float = 0.5) -> Dict[str, Any]:
        """Polls until the job has ended (SUCCEEDED, FAILED or CANCELLED) and returns it."""
        return _wait_ended(lambda: self.get(job_id), ("SUCCEEDED", "FAILED", "CANCELLED"), f"batch job {job_id}",
                           timeout, poll)


class Features:
    """The feature store, in Feast's vocabulary: definitions, pushes, online and historical reads, discovery."""

    def __init__(self, http: _Http):
        self._http = http

    def apply(self, definitions: Any, dry_run: bool = False, force: bool = False) -> Dict[str, Any]:
        """Applies a definitions document: a ``dict`` (sent as JSON) or the text of a YAML or JSON document. Returns
        the plan (``applied``, ``changes``); a document with problems raises PierError 400 listing them all.
        ``force`` applies a change that breaks registered model versions (else a 409 naming them)."""
        if isinstance(definitions, (dict, list)):
            body, content_type = json.dumps(definitions).encode("utf-8"), "application/json"
        else:
            body, content_type = str(definitions).encode("utf-8"), "application/yaml"
        _, _, raw = self._http.call("POST", "/api/v1/features/apply", body, content_type,
                                    query={"dry_run": "true" if dry_run else None,
                                           "force": "true" if force else None})
        return json.loads(raw)

    def plan(self, definitions: Any) -> Dict[str, Any]:
        """What :meth:`apply` would change, changing nothing (``?dry_run=true``)."""
        return self.apply(definitions, dry_run=True)

    def get_online_features(self, entities: Dict[str, List[Any]], features: Optional[Sequence[str]] = None,
                            feature_service: Optional[str] = None,
                            full_feature_names: bool = False) -> Dict[str, Any]:
        """Feast's ``/get-online-features``: ``entities`` maps each join key to its values — and, as in Feast, each
        request field of an on-demand feature view to its values (``{"driver_id": [1001], "x": [1.0]}``); give
        ``features`` (``"view:feature"``, on-demand ones included) or a ``feature_service``. Returns ``{"metadata": {"feature_names"}, "results": [{"values",
        "statuses", "event_timestamps"}]}``, one result per name."""
        body: Dict[str, Any] = {"entities": entities}
        if features is not None:
            body["features"] = list(features)
        if feature_service is not None:
            body["feature_service"] = feature_service
        if full_feature_names:
            body["full_feature_names"] = True
        return self._http.json("POST", "/get-online-features", body)

    def get_historical_features(self, entity_rows: Optional[Sequence[Dict[str, Any]]] = None,
                                features: Optional[Sequence[str]] = None, feature_service: Optional[str] = None,
                                full_feature_names: bool = False, entity_source: Optional[str] = None,
                                output: Optional[str] = None) -> Dict[str, Any]:
        """Point-in-time correct training rows for inline ``entity_rows`` (up to 10,000: join keys,
        ``event_timestamp``, labels), answered as ``{"feature_names", "rows"}``; or for an ``entity_source`` Parquet
        file in S3 (``s3://…``, any number of rows), written as Parquet to ``output`` (default
        ``pier-historical/<uuid>.parquet`` next to it) and answered as ``{"output", "rows", "feature_names"}``."""
        body: Dict[str, Any] = {}
        if entity_rows is not None:
            body["entity_rows"] = list(entity_rows)
        if entity_source is not None:
            body["entity_source"] = entity_source
        if output is not None:
            body["output"] = output
        if features is not None:
            body["features"] = list(features)
        if feature_service is not None:
            body["feature_service"] = feature_service
        if full_feature_names:
            body["full_feature_names"] = True
        return self._http.json("POST", "/api/v1/features/historical", body)

    def push(self, push_source_name: str, df: Dict[str, List[Any]], to: str = "online") -> Dict[str, Any]:
        """Feast's ``/push``: ``df`` maps each column to its values (join keys, features, the timestamp field);
        ``to`` is ``online``, ``offline`` or ``online_and_offline``."""
        return self._http.json("POST", "/push", {"push_source_name": push_source_name, "df": df, "to": to})

    def list_views(self, q: Optional[str] = None, tag: Optional[str] = None, owner: Optional[str] = None,
                   entity: Optional[str] = None) -> List[Dict[str, Any]]:
        """Feature views matching a search (``tag`` as ``key:value``)."""
        return _all_pages(self._http, "/api/v1/feature-views", "feature_views",
                          {"q": q, "tag": tag, "owner": owner, "entity": entity})

    def view(self, name: str) -> Dict[str, Any]:
        """One view (``feature_view``) with every version (``versions``)."""
        return self._http.json("GET", f"/api/v1/feature-views/{_q(name)}")


class Monitors:
    """Prediction monitoring: monitors over captured predictions, their runs and alerts, and ground truth."""

    def __init__(self, http: _Http):
        self._http = http

    def create(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        """Creates a monitor from its JSON spec (``model``, ``version``, ``window``, ``task``, ``reference``, …)."""
        return self._http.json("POST", "/api/v1/monitors", spec)

    def list(self) -> List[Dict[str, Any]]:
        return self._http.json("GET", "/api/v1/monitors")["monitors"]

    def get(self, monitor_id: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/monitors/{_q(monitor_id)}")

    def update(self, monitor_id: str, changes: Dict[str, Any]) -> Dict[str, Any]:
        return self._http.json("PATCH", f"/api/v1/monitors/{_q(monitor_id)}", changes)

    def delete(self, monitor_id: str) -> None:
        self._http.call("DELETE", f"/api/v1/monitors/{_q(monitor_id)}")

    def run(self, monitor_id: str) -> Dict[str, Any]:
        """Runs the monitor now over the window that ends now; returns the run."""
        return self._http.json("POST", f"/api/v1/monitors/{_q(monitor_id)}/runs")

    def runs(self, monitor_id: str, page_size: int = 1000) -> List[Dict[str, Any]]:
        """Every run summary, newest window first, read a page (``page_size``, 1-1000) at a time."""
        return _all_pages(self._http, f"/api/v1/monitors/{_q(monitor_id)}/runs", "runs", {}, page_size)

    def get_run(self, monitor_id: str, run_id: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/monitors/{_q(monitor_id)}/runs/{_q(run_id)}")

    def report(self, monitor_id: str, run_id: str) -> str:
        """The run as one self-contained HTML page."""
        return self._http.call("GET", f"/api/v1/monitors/{_q(monitor_id)}/runs/{_q(run_id)}/report.html")[2] \
            .decode("utf-8")

    def alerts(self, monitor_id: str) -> List[Dict[str, Any]]:
        return self._http.json("GET", f"/api/v1/monitors/{_q(monitor_id)}/alerts")["alerts"]

    def feedback(self, items: Optional[Sequence[Dict[str, Any]]] = None, uri: Optional[str] = None,
                 format: Optional[str] = None) -> int:
        """Sends ground truth: ``items`` (each ``request_id`` or ``prediction_id``, ``row``, ``label``) or a file of
        them in S3 (``uri``). Returns how many labels were accepted."""
        if (items is None) == (uri is None):
            raise ValueError("give items or uri, not both")
        body: Dict[str, Any] = {"items": list(items)} if items is not None else \
            {k: v for k, v in dict(uri=uri, format=format).items() if v is not None}
        return self._http.json("POST", "/api/v1/feedback", body)["accepted"]


class Experiments:
    """A/B experiments on a model's versions: design, start/pause/stop, exposures, events, results."""

    def __init__(self, http: _Http):
        self._http = http

    def create(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        """Designs an experiment (state ``draft``), with its ``sample_size_per_arm``."""
        return self._http.json("POST", "/api/v1/experiments", spec)

    def list(self, model: Optional[str] = None, state: Optional[str] = None,
             q: Optional[str] = None) -> List[Dict[str, Any]]:
        return _all_pages(self._http, "/api/v1/experiments", "experiments", {"model": model, "state": state, "q": q})

    def get(self, experiment_id: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/experiments/{_q(experiment_id)}")

    def start(self, experiment_id: str) -> Dict[str, Any]:
        return self._http.json("POST", f"/api/v1/experiments/{_q(experiment_id)}/start")

    def pause(self, experiment_id: str) -> Dict[str, Any]:
        return self._http.json("POST", f"/api/v1/experiments/{_q(experiment_id)}/pause")

    def stop(self, experiment_id: str) -> Dict[str, Any]:
        return self._http.json("POST", f"/api/v1/experiments/{_q(experiment_id)}/stop")

    def exposures(self, experiment_id: str, items: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
        """Reports exposures (``unit``, ``arm``, ``timestamp``) of units that were assigned by the caller."""
        return self._http.json("POST", f"/api/v1/experiments/{_q(experiment_id)}/exposures", {"items": list(items)})

    def events(self, items: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
        """Reports metric events (``unit``, ``metric``, ``value``, ``timestamp``) to every experiment measuring them."""
        return self._http.json("POST", "/api/v1/experiments/events", {"items": list(items)})

    def results(self, experiment_id: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/experiments/{_q(experiment_id)}/results")

    def analyze(self, experiment_id: str) -> Dict[str, Any]:
        """Analyses now and applies the experiment's automatic policy; returns the decision."""
        return self._http.json("POST", f"/api/v1/experiments/{_q(experiment_id)}/analyze")

    def decisions(self, experiment_id: str, page_size: int = 1000) -> List[Dict[str, Any]]:
        """Every recorded decision, oldest first, read a page (``page_size``, 1-1000) at a time."""
        out: List[Dict[str, Any]] = []
        token: Optional[str] = None
        while True:
            page = self._http.json("GET", f"/api/v1/experiments/{_q(experiment_id)}/decisions",
                                   query={"max_results": str(page_size), "page_token": token})
            out.extend(page["decisions"])
            token = page.get("next_page_token")
            if not token:
                return out


class Flags:
    """Feature flags, evaluated by the server."""

    def __init__(self, http: _Http):
        self._http = http

    def create(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        return self._http.json("POST", "/api/v1/flags", spec)

    def list(self) -> List[Dict[str, Any]]:
        return self._http.json("GET", "/api/v1/flags")["flags"]

    def get(self, key: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/flags/{_q(key)}")

    def evaluate(self, key: str, targeting_key: Optional[str] = None,
                 attributes: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Returns ``{"key", "value", "variant", "reason"}`` for one evaluation context."""
        body: Dict[str, Any] = {"attributes": dict(attributes or {})}
        if targeting_key is not None:
            body["targeting_key"] = targeting_key
        return self._http.json("POST", f"/api/v1/flags/{_q(key)}/evaluate", body)


class Training:
    """Training jobs (XGBoost with cross-validation and tuning) on versioned datasets."""

    ENDED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")

    def __init__(self, http: _Http):
        self._http = http

    def record_dataset(self, name: str, uri: str, format: Optional[str] = None) -> Dict[str, Any]:
        """Records the CSV or Parquet data at ``uri`` (an object or a prefix) as a dataset version."""
        body = {k: v for k, v in dict(name=name, uri=uri, format=format).items() if v is not None}
        return self._http.json("POST", "/api/v1/datasets", body)

    def datasets(self) -> List[Dict[str, Any]]:
        return self._http.json("GET", "/api/v1/datasets")["datasets"]

    def dataset_versions(self, name: str) -> List[Dict[str, Any]]:
        return self._http.json("GET", f"/api/v1/datasets/{_q(name)}/versions")["versions"]

    def submit(self, spec: Dict[str, Any]) -> Dict[str, Any]:
        """Submits a job (``name``, ``dataset``, ``label``, ``params``, ``tuning``, ``register``, …); returns it.

        ``categorical`` names string or integer feature columns XGBoost splits on as categories (the registered
        version then takes their raw values at ``/predict``); ``query`` names the query column of a ranking objective
        (``rank:ndcg``, ``rank:pairwise``; metric ``ndcg`` or ``ndcg@k``); ``register.canary`` ``{"alias",
        "weight"}`` gives the new version that share of the alias's traffic after registering.
        """
        return self._http.json("POST", "/api/v1/training-jobs", spec)

    def get(self, job_id: str) -> Dict[str, Any]:
        """The job with its trials, best trial, refit, registered version and cost."""
        return self._http.json("GET", f"/api/v1/training-jobs/{_q(job_id)}")

    def list(self, project: Optional[str] = None, state: Optional[str] = None,
             name: Optional[str] = None) -> List[Dict[str, Any]]:
        return _all_pages(self._http, "/api/v1/training-jobs", "jobs",
                          {"project": project, "state": state, "name": name})

    def cancel(self, job_id: str) -> Dict[str, Any]:
        return self._http.json("POST", f"/api/v1/training-jobs/{_q(job_id)}/cancel")

    def wait(self, job_id: str, timeout: float = 600, poll: float = 1.0) -> Dict[str, Any]:
        """Polls until the job has ended (SUCCEEDED, FAILED, TIMED_OUT or ABORTED) and returns it."""
        return _wait_ended(lambda: self.get(job_id), self.ENDED, f"training job {job_id}", timeout, poll)


class Client:
    """One Pier server. ``url`` defaults to ``$PIER_URL`` (else http://127.0.0.1:8080), ``api_key`` to
    ``$PIER_API_KEY`` (sent as ``X-Api-Key``)."""

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, timeout: float = 60):
        self._http = _Http(url or os.environ.get("PIER_URL") or "http://127.0.0.1:8080",
                           api_key if api_key is not None else os.environ.get("PIER_API_KEY"), timeout)
        self.models = Models(self._http)
        self.batch = Batch(self._http)
        self.features = Features(self._http)
        self.monitors = Monitors(self._http)
        self.experiments = Experiments(self._http)
        self.flags = Flags(self._http)
        self.training = Training(self._http)

    # --- OIP v2 -------------------------------------------------------------------------------------------------
    def live(self) -> bool:
        return self._status("/v2/health/live")

    def ready(self) -> bool:
        return self._status("/v2/health/ready")

    def _status(self, path: str) -> bool:
        try:
            return self._http.call("GET", path)[0] == 200
        except PierError:
            return False

    def server_metadata(self) -> Dict[str, Any]:
        return self._http.json("GET", "/v2")

    def model_metadata(self, model: str, version: Optional[str] = None) -> Dict[str, Any]:
        return self._http.json("GET", _model_path(model, version))

    def infer(self, model: str, inputs: Sequence[Tensor], version: Optional[str] = None,
              outputs: Optional[Sequence[str]] = None, binary: bool = False, request_id: Optional[str] = None,
              parameters: Optional[Dict[str, Any]] = None, headers: Optional[Dict[str, str]] = None) -> InferResult:
        """Runs one OIP inference. ``version`` is a number or an alias (default: alias ``production``).
        ``binary=True`` sends the inputs and receives the outputs as raw little-endian tensors (the OIP binary
        extension), which is much smaller and faster to decode for large tensors."""
        request: Dict[str, Any] = {}
        if request_id:
            request["id"] = request_id
        if parameters:
            request["parameters"] = dict(parameters)
        path = _model_path(model, version) + "/infer"
        if not binary:
            request["inputs"] = [t.to_json() for t in inputs]
            if outputs:
                request["outputs"] = [{"name": n} for n in outputs]
            _, _, raw = self._http.call("POST", path, json.dumps(request).encode(), "application/json",
                                        headers=headers)
            return _result(json.loads(raw))
        blobs, specs = [], []
        for t in inputs:
            blob = _pack(t)
            blobs.append(blob)
            spec = {"name": t.name, "datatype": t.datatype, "shape": list(t.shape),
                    "parameters": dict(t.parameters, binary_data_size=len(blob))}
            specs.append(spec)
        request["inputs"] = specs
        if outputs:
            request["outputs"] = [{"name": n, "parameters": {"binary_data": True}} for n in outputs]
        else:
            request.setdefault("parameters", {})["binary_data_output"] = True
        header = json.dumps(request).encode()
        _, answer_headers, raw = self._http.call(
            "POST", path, header + b"".join(blobs), "application/octet-stream",
            headers=dict(headers or {}, **{"Inference-Header-Content-Length": str(len(header))}))
        length = answer_headers.get("Inference-Header-Content-Length")
        if length is None:
            return _result(json.loads(raw))
        n = int(length)
        answer = json.loads(raw[:n])
        offset = n
        for o in answer["outputs"]:
            size = (o.get("parameters") or {}).get("binary_data_size")
            if size is not None:
                o["data"] = _unpack(o["datatype"], raw[offset:offset + size])
                offset += size
        result = _result(answer)
        result.binary = True
        return result

    # --- async predictions --------------------------------------------------------------------------------------
    def infer_async(self, model: str, inputs: Sequence[Tensor], version: Optional[str] = None,
                    idempotency_key: Optional[str] = None, callback_url: Optional[str] = None) -> str:
        """Queues an inference (``Prefer: respond-async``); returns the prediction id for :meth:`prediction`."""
        headers = {"Prefer": "respond-async"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if callback_url:
            headers["X-Pier-Callback-Url"] = callback_url
        body = json.dumps({"inputs": [t.to_json() for t in inputs]}).encode()
        _, _, raw = self._http.call("POST", _model_path(model, version) + "/infer", body, "application/json",
                                    headers=headers)
        return json.loads(raw)["id"]

    def prediction(self, prediction_id: str) -> Dict[str, Any]:
        return self._http.json("GET", f"/api/v1/predictions/{_q(prediction_id)}")

    def wait_prediction(self, prediction_id: str, timeout: float = 60, poll: float = 0.2) -> InferResult:
        """Polls an async prediction until it has ended; returns its OIP result or raises PierError if it failed."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.prediction(prediction_id)
            if p["state"] == "SUCCEEDED":
                return _result(p["response"])
            if p["state"] == "FAILED":
                raise PierError(500, str(p.get("error") or "the prediction failed"), p)
            if time.monotonic() > deadline:
                raise TimeoutError(f"prediction {prediction_id} still {p['state']} after {timeout} s")
            time.sleep(poll)


def _wait_ended(fetch: Callable[[], Dict[str, Any]], ended: Sequence[str], what: str, timeout: float,
                poll: float) -> Dict[str, Any]:
    """Calls ``fetch`` every ``poll`` seconds until its ``state`` is one of ``ended``; TimeoutError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        job = fetch()
        if job["state"] in ended:
            return job
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} still {job['state']} after {timeout} s")
        time.sleep(poll)


def _q(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _model_path(model: str, version: Optional[str]) -> str:
    path = f"/v2/models/{_q(model)}"
    return path if version is None else f"{path}/versions/{_q(str(version))}"


def _result(node: Dict[str, Any]) -> InferResult:
    return InferResult(node["model_name"], node.get("model_version"),
                       [Tensor.from_json(o) for o in node.get("outputs", [])], node.get("id"),
                       dict(node.get("parameters") or {}))
