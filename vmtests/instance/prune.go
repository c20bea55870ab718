package instance

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// keepImages is how many images the cache keeps: each is about 180 MiB
// and every new moatd binary makes a new one.
const keepImages = 4

// touch marks an image as just used.
func touch(dir string) {
	now := time.Now()
	os.Chtimes(dir, now, now)
}

// prune removes all but the keepImages most recently used images (and
// build folders left by a killed build more than an hour old).
func prune(cache string) {
	entries, err := os.ReadDir(cache)
	if err != nil {
		return
	}
	type image struct {
		path string
		used time.Time
	}
	var images []image
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		p := filepath.Join(cache, e.Name())
		if strings.HasPrefix(e.Name(), "build-") {
			if time.Since(info.ModTime()) > time.Hour {
				os.RemoveAll(p)
			}
			continue
		}
		images = append(images, image{p, info.ModTime()})
	}
	sort.Slice(images, func(i, j int) bool { return images[i].used.After(images[j].used) })
	for i := keepImages; i < len(images); i++ {
		os.RemoveAll(images[i].path)
	}
}
