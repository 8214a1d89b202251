module wasmext.example/gofn

go 1.24
