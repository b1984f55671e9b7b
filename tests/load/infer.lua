-- wrk script: OIP inference on the demo model, one row per request.
-- ./pier bench http runs: wrk -t2 -c32 -d20s --latency -s tests/load/infer.lua http://127.0.0.1:PORT
wrk.method = "POST"
wrk.path = "/v2/models/demo/infer"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
