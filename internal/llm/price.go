package llm

import "strings"

// Price is USD per million tokens.
type Price struct{ Input, Output float64 }

// prices are list prices (USD per 1M tokens, standard tier, as published by
// the vendors in 2025) for a few well-known models. Keys are model-id
// prefixes; the longest matching prefix wins, so dated ids such as
// "gpt-4o-mini-2024-07-18" or "claude-3-5-haiku-20241022" match.
var prices = map[string]Price{
	"gpt-4o":            {2.50, 10.00},
	"gpt-4o-mini":       {0.15, 0.60},
	"gpt-4.1":           {2.00, 8.00},
	"gpt-4.1-mini":      {0.40, 1.60},
	"gpt-4.1-nano":      {0.10, 0.40},
	"o3-mini":           {1.10, 4.40},
	"o4-mini":           {1.10, 4.40},
	"claude-3-5-haiku":  {0.80, 4.00},
	"claude-3-haiku":    {0.25, 1.25},
	"claude-3-5-sonnet": {3.00, 15.00},
	"claude-3-7-sonnet": {3.00, 15.00},
	"claude-sonnet-4":   {3.00, 15.00},
	"claude-opus-4":     {15.00, 75.00},
	"deepseek-chat":     {0.27, 1.10},
	"deepseek-reasoner": {0.55, 2.19},
	"gemini-2.0-flash":  {0.10, 0.40},
	"gemini-2.5-flash":  {0.30, 2.50},
	"gemini-2.5-pro":    {1.25, 10.00},
	"mistral-small":     {0.10, 0.30},
	"mistral-large":     {2.00, 6.00},
}

// PriceOf returns the price of model, matching by longest known prefix
// (case-insensitive; an "org/" prefix as used by OpenRouter is ignored).
func PriceOf(model string) (Price, bool) {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	best, found := "", false
	for prefix := range prices {
		if strings.HasPrefix(m, prefix) && len(prefix) > len(best) {
			if len(m) == len(prefix) || m[len(prefix)] == '-' || m[len(prefix)] == ':' {
				best, found = prefix, true
			}
		}
	}
	return prices[best], found
}

// EstimateCost returns the USD cost of u on model and whether the price is
// known. Local models and unknown ids report false.
func EstimateCost(model string, u Usage) (float64, bool) {
	p, ok := PriceOf(model)
	if !ok {
		return 0, false
	}
	return (float64(u.InputTokens)*p.Input + float64(u.OutputTokens)*p.Output) / 1e6, true
}
