package redislimit_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/redislimit"
	"github.com/anyca/anyca/retry"
	"github.com/redis/go-redis/v9"
)

// Every replica of a service builds the same Limiter for its DigiCert key and plugs it
// into the adapter through Config.Retry.Limiter; together they keep DigiCert's 100 per 5 s
// and 1000 per 3 min. Here an in-process Redis and the DigiCert fake stand in for the real
// ones.
func Example() {
	mr, err := miniredis.Run() // in production: your Redis address
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	fake := digicerttest.NewServer()
	order := fake.AddCertificate(model.Certificate{CommonName: "www.example.com"})
	defer fake.Close()

	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	shared, err := redislimit.New(rdb, fake.APIKey, redislimit.Options{
		OnRedisError: redislimit.FallBackLocal, // Redis down: each of 4 replicas keeps 1/4 of the budget
		Replicas:     4,
	})
	if err != nil {
		log.Fatal(err)
	}
	dc, err := digicert.New(digicert.Config{APIKey: fake.APIKey, BaseURL: fake.URL,
		Retry: retry.Config{Limiter: shared}})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cert, err := dc.Certificate(ctx, order.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.CommonName)
	keys, _ := rdb.Keys(ctx, "*").Result()
	fmt.Println("windows in Redis:", len(keys))
	// Output:
	// www.example.com
	// windows in Redis: 2
}
