package numbers_test
import ("testing";"time";"math/rand";"sort";"github.com/imgpar/imgpar/engine/numbers")
func TestT(t *testing.T){
 rng := rand.New(rand.NewSource(1))
 type p struct{x float64; d time.Duration}
 var ps []p
 var tot time.Duration
 numbers.ProcessValues([]float64{-5.5, -7, 3}, numbers.Options{Op:"heavy",Rounds:1e9},1)
 for i:=0;i<20000;i++ {
   x := -float64(rng.Intn(99990)+1) - float64(rng.Intn(1000000))/1e6
   s:=time.Now(); numbers.ProcessValues([]float64{x}, numbers.Options{Op:"heavy",Rounds:1e9},1); d:=time.Since(s); tot+=d
   ps=append(ps,p{x,d})
 }
 sort.Slice(ps, func(a,b int)bool{return ps[a].d>ps[b].d})
 t.Logf("total %v", tot)
 for _,q := range ps[:8] { t.Logf("%v %v", q.x, q.d) }
 for _,q := range ps[:3] { s:=time.Now(); numbers.ProcessValues([]float64{q.x}, numbers.Options{Op:"heavy",Rounds:1e9},1); t.Logf("again %v %v", q.x, time.Since(s)) }
}
