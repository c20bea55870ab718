module github.com/moat-sh/moat

go 1.26.0

require (
	github.com/robfig/cron/v3 v3.0.1
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sys v0.50.0
)
