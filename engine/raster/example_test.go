package raster_test

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"log"
	"os"

	"github.com/imgpar/imgpar/engine/raster"
)

// A JPEG job: read the header, decode at the largest scale that leaves the
// resampler at least 2x, resize on the exact extent and turn upright.
func Example() {
	data, err := os.ReadFile("../../testdata/photos/boats-lake-landscape-420.jpg")
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	w, h := 320, 200 // from the job's geometry, for the upright image
	orientation := 1 // from EXIF; for 5..8 the stored image is transposed: swap w and h here

	denom := raster.ShrinkDenom(cfg.Width, cfg.Height, w, h)
	img, used, err := raster.DecodeJPEGScaled(data, denom)
	if err != nil {
		log.Fatal(err)
	}
	small := raster.ResizeScaled(img, cfg.Width, cfg.Height, used, w, h, raster.Lanczos)
	upright := raster.Orient(small, orientation)
	fmt.Printf("%dx%d decoded at 1/%d as %dx%d, resized to %v %T\n",
		cfg.Width, cfg.Height, used, img.Bounds().Dx(), img.Bounds().Dy(), upright.Bounds().Size(), upright)
	// Output: 1440x900 decoded at 1/2 as 720x450, resized to (320,200) *image.YCbCr
}
