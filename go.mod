module github.com/moat-sh/moat

go 1.26
