package design

// SectionType describes one kind of section: its settings schema and,
// for repeated content (testimonials, FAQ entries, hand-picked products),
// the schema of its blocks.
type SectionType struct {
	Type        string  `json:"type"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Fields      []Field `json:"fields"`
	BlockName   string  `json:"block_name,omitempty"`
	BlockFields []Field `json:"block_fields,omitempty"`
	MaxBlocks   int     `json:"max_blocks,omitempty"`
	MinBlocks   int     `json:"min_blocks,omitempty"`
	// MaxPerPage caps how often the type appears in one template (0: no cap).
	MaxPerPage int `json:"max_per_page,omitempty"`
}

// Section type names.
const (
	TypeHero               = "hero"
	TypeFeaturedCollection = "featured_collection"
	TypeProductGrid        = "product_grid"
	TypeImageWithText      = "image_with_text"
	TypeRichText           = "rich_text"
	TypeTestimonials       = "testimonials"
	TypeNewsletter         = "newsletter"
	TypeAnnouncement       = "announcement_bar"
	TypeFAQ                = "faq"
)

var alignOpts = opts("left", "Left", "center", "Centre")

var sectionTypes = []*SectionType{
	{Type: TypeHero, Name: "Hero banner", Description: "A large image with a heading and a button.", Fields: []Field{
		{Key: "heading", Label: "Heading", Type: Text, Max: 120, Required: true, Default: "Welcome"},
		{Key: "subheading", Label: "Subheading", Type: Textarea, Max: 300},
		{Key: "image", Label: "Image", Type: Image, Help: "wide images (at least 1600 px) look best"},
		{Key: "image_alt", Label: "Image description (alt text)", Type: Text, Max: 200},
		{Key: "button_label", Label: "Button label", Type: Text, Max: 40},
		{Key: "button_link", Label: "Button link", Type: LinkField},
		{Key: "align", Label: "Text alignment", Type: Select, Options: alignOpts, Default: "left"},
		{Key: "height", Label: "Height", Type: Select, Options: opts("small", "Small", "medium", "Medium", "large", "Large"), Default: "medium"},
		{Key: "overlay", Label: "Image darkening (%)", Type: Int, Min: 0, Max: 80, Default: 30},
	}},
	{Type: TypeFeaturedCollection, Name: "Featured collection", Description: "Products of one collection.", Fields: []Field{
		{Key: "heading", Label: "Heading", Type: Text, Max: 120},
		{Key: "collection", Label: "Collection", Type: Collection, Required: true},
		{Key: "limit", Label: "Products to show", Type: Int, Min: 1, Max: 24, Default: 8},
		{Key: "columns", Label: "Columns on desktop", Type: Int, Min: 2, Max: 6, Default: 4},
		{Key: "show_view_all", Label: "Show “View all” link", Type: Bool, Default: true},
	}},
	{Type: TypeProductGrid, Name: "Product grid", Description: "Hand-picked products, or the newest ones.", Fields: []Field{
		{Key: "heading", Label: "Heading", Type: Text, Max: 120},
		{Key: "limit", Label: "Newest products to show when none are picked", Type: Int, Min: 1, Max: 48, Default: 8},
		{Key: "columns", Label: "Columns on desktop", Type: Int, Min: 2, Max: 6, Default: 4},
	}, BlockName: "Product", MaxBlocks: 24, BlockFields: []Field{
		{Key: "product", Label: "Product", Type: Product, Required: true},
	}},
	{Type: TypeImageWithText, Name: "Image with text", Description: "An image beside a heading, text and a button.", Fields: []Field{
		{Key: "image", Label: "Image", Type: Image},
		{Key: "image_alt", Label: "Image description (alt text)", Type: Text, Max: 200},
		{Key: "heading", Label: "Heading", Type: Text, Max: 120},
		{Key: "text", Label: "Text", Type: RichText},
		{Key: "button_label", Label: "Button label", Type: Text, Max: 40},
		{Key: "button_link", Label: "Button link", Type: LinkField},
		{Key: "image_position", Label: "Image position", Type: Select, Options: opts("left", "Left", "right", "Right"), Default: "left"},
	}},
	{Type: TypeRichText, Name: "Rich text", Description: "A heading and formatted text.", Fields: []Field{
		{Key: "heading", Label: "Heading", Type: Text, Max: 120},
		{Key: "text", Label: "Text", Type: RichText},
		{Key: "align", Label: "Alignment", Type: Select, Options: alignOpts, Default: "left"},
		{Key: "narrow", Label: "Narrow column", Type: Bool, Default: false},
	}},
	{Type: TypeTestimonials, Name: "Testimonials", Description: "Quotes from customers.", Fields: []Field{
		{Key: "heading", Label: "Heading", Type: Text, Max: 120, Default: "What customers say"},
	}, BlockName: "Testimonial", MaxBlocks: 12, BlockFields: []Field{
		{Key: "quote", Label: "Quote", Type: Textarea, Max: 600, Required: true},
		{Key: "author", Label: "Author", Type: Text, Max: 80},
		{Key: "detail", Label: "Detail (city, product…)", Type: Text, Max: 80},
		{Key: "rating", Label: "Stars (0 for none)", Type: Int, Min: 0, Max: 5, Default: 5},
	}},
	{Type: TypeNewsletter, Name: "Newsletter sign-up", Description: "An e-mail sign-up form that records consent.", MaxPerPage: 1, Fields: []Field{
		{Key: "heading", Label: "Heading", Type: Text, Max: 120, Default: "Join our newsletter"},
		{Key: "text", Label: "Text", Type: Textarea, Max: 500},
		{Key: "button_label", Label: "Button label", Type: Text, Max: 40, Default: "Subscribe"},
		{Key: "consent_text", Label: "Consent statement", Type: Text, Max: 300, Required: true, Default: "I agree to receive marketing e-mails. I can unsubscribe at any time."},
	}},
	{Type: TypeAnnouncement, Name: "Announcement bar", Description: "A one-line message above the header.", MaxPerPage: 1, Fields: []Field{
		{Key: "text", Label: "Message", Type: Text, Max: 200, Required: true, Default: "Free shipping on orders over $50"},
		{Key: "link", Label: "Link", Type: LinkField},
		{Key: "color_background", Label: "Background colour", Type: Color},
		{Key: "color_text", Label: "Text colour", Type: Color},
	}},
	{Type: TypeFAQ, Name: "FAQ accordion", Description: "Questions that open to show their answers.", Fields: []Field{
		{Key: "heading", Label: "Heading", Type: Text, Max: 120, Default: "Frequently asked questions"},
	}, BlockName: "Question", MaxBlocks: 40, BlockFields: []Field{
		{Key: "question", Label: "Question", Type: Text, Max: 200, Required: true},
		{Key: "answer", Label: "Answer", Type: RichText, Required: true},
	}},
}

func allSectionTypes() []string {
	out := make([]string, len(sectionTypes))
	for i, s := range sectionTypes {
		out[i] = s.Type
	}
	return out
}

// SectionTypes lists every section type.
func SectionTypes() []*SectionType { return sectionTypes }

// SectionTypeByName returns a section type.
func SectionTypeByName(name string) (*SectionType, bool) {
	for _, s := range sectionTypes {
		if s.Type == name {
			return s, true
		}
	}
	return nil, false
}

// Defaults returns a new section's settings: every field's default.
func (st *SectionType) Defaults() Settings {
	out := Settings{}
	for _, f := range st.Fields {
		if f.Default != nil {
			out[f.Key] = f.Default
		}
	}
	return out
}
