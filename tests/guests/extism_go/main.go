// Extism plugins for tests/extism, written against the real Extism Go PDK
// (github.com/extism/go-pdk) and built by Go's own compiler as a WASI
// reactor: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared. Each
// export is what a user would write for Extism's own runtime.
package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/extism/go-pdk"
)

// count_vowels: string in, JSON out.
//
//go:wasmexport count_vowels
func countVowels() int32 {
	in := pdk.InputString()
	n := 0
	for _, c := range in {
		if strings.ContainsRune("aeiouAEIOU", c) {
			n++
		}
	}
	pdk.OutputString(fmt.Sprintf(`{"count":%d,"total":%d,"vowels":"aeiouAEIOU"}`,
		n, utf8.RuneCountInString(in)))
	return 0
}

// reverse: the input's bytes in reverse order.
//
//go:wasmexport reverse
func reverse() int32 {
	in := pdk.Input()
	out := make([]byte, len(in))
	for i, b := range in {
		out[len(in)-1-i] = b
	}
	pdk.Output(out)
	return 0
}

// check fails for an empty input or one holding "x".
//
//go:wasmexport check
func check() int32 {
	in := pdk.InputString()
	if in == "" || strings.Contains(in, "x") {
		pdk.SetErrorString(fmt.Sprintf("rejected %q", in))
		return 1
	}
	pdk.OutputString("ok: " + in)
	return 0
}

// greet puts the config value "greeting" before the input.
//
//go:wasmexport greet
func greet() int32 {
	g, ok := pdk.GetConfig("greeting")
	if !ok {
		g = "(none)"
	}
	pdk.OutputString(g + ", " + pdk.InputString() + "!")
	return 0
}

// counter adds the input (empty: 1) to the variable "count".
//
//go:wasmexport counter
func counter() int32 {
	step := int64(1)
	if in := strings.TrimSpace(pdk.InputString()); in != "" {
		v, err := strconv.ParseInt(in, 10, 64)
		if err != nil {
			pdk.SetError(err)
			return 1
		}
		step = v
	}
	old := int64(0)
	if b := pdk.GetVar("count"); b != nil {
		old, _ = strconv.ParseInt(string(b), 10, 64)
	}
	n := old + step
	pdk.SetVar("count", []byte(strconv.FormatInt(n, 10)))
	pdk.OutputString(strconv.FormatInt(n, 10))
	return 0
}

// shout logs the input at every level and returns its length.
//
//go:wasmexport shout
func shout() int32 {
	in := pdk.InputString()
	pdk.Log(pdk.LogInfo, "info: "+in)
	pdk.Log(pdk.LogWarn, "warn: "+in)
	pdk.Log(pdk.LogError, "error: "+in)
	pdk.Log(pdk.LogDebug, "debug: "+in)
	pdk.OutputString(strconv.Itoa(len(in)))
	return 0
}

// fetch requests the input as a URL: a host that allows no HTTP refuses.
//
//go:wasmexport fetch
func fetch() int32 {
	req := pdk.NewHTTPRequest(pdk.MethodGet, pdk.InputString())
	res := req.Send()
	pdk.OutputString(strconv.Itoa(int(res.Status())))
	return 0
}

// request makes the request its input describes: a line "METHOD URL",
// header lines "Name: value", then an empty line and the body (none when
// empty). It answers the status, a newline and the response's body, and
// then, if the response had an X-Wx-Echo header (http_headers), a
// newline and "x-wx-echo: <value>".
//
//go:wasmexport request
func request() int32 {
	head, body, _ := strings.Cut(pdk.InputString(), "\n\n")
	lines := strings.Split(head, "\n")
	method, url, ok := strings.Cut(lines[0], " ")
	if !ok {
		method, url = "GET", lines[0]
	}
	req := pdk.NewHTTPRequest(methods[method], url)
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ": "); ok {
			req.SetHeader(k, v)
		}
	}
	if body != "" {
		req.SetBody([]byte(body))
	}
	res := req.Send()
	out := strconv.Itoa(int(res.Status())) + "\n" + string(res.Body())
	if v, ok := res.Headers()["x-wx-echo"]; ok {
		out += "\nx-wx-echo: " + v
	}
	pdk.OutputString(out)
	return 0
}

var methods = map[string]pdk.HTTPMethod{
	"GET": pdk.MethodGet, "HEAD": pdk.MethodHead, "POST": pdk.MethodPost,
	"PUT": pdk.MethodPut, "PATCH": pdk.MethodPatch,
	"DELETE": pdk.MethodDelete, "OPTIONS": pdk.MethodOptions,
}

func main() {}
