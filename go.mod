module github.com/moat-sh/moat

go 1.26

require (
	github.com/agnivade/levenshtein v1.2.2
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/opencontainers/runtime-spec v1.3.0
